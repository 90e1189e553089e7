package dev.forgeline.planner.service;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.mapping.SpecMapper;
import dev.forgeline.planner.messaging.PlannerEventProducer;
import dev.forgeline.planner.metrics.PlannerMetrics;
import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.repository.SpecRepository;
import dev.forgeline.planner.repository.TaskRepository;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;
import org.jboss.logging.Logger;

/**
 * Stores validated specs with their task graph, and reads them back. A spec submitted again under the same name
 * (for the same repository) is a new revision of it: unchanged tasks keep their state and results, changed ones
 * are re-planned (a running attempt is superseded), removed ones are cancelled, new ones are planned.
 */
@ApplicationScoped
public class SpecService {
    private static final Logger LOG = Logger.getLogger(SpecService.class);
    public static final String IDEMPOTENCY_KEY_REUSED = "https://forgeline.dev/problems/idempotency-key-reused";

    private final SpecRepository specs;
    private final TaskRepository tasks;
    private final SpecMapper mapper;
    private final PlannerEventProducer producer;
    private final TaskRelease release;
    private final DecisionService decisions;
    private final PlannerMetrics metrics;

    public SpecService(
            SpecRepository specs,
            TaskRepository tasks,
            SpecMapper mapper,
            PlannerEventProducer producer,
            TaskRelease release,
            DecisionService decisions,
            PlannerMetrics metrics) {
        this.specs = specs;
        this.tasks = tasks;
        this.mapper = mapper;
        this.producer = producer;
        this.release = release;
        this.decisions = decisions;
        this.metrics = metrics;
    }

    /** The spec an earlier request with this Idempotency-Key created, if any. */
    @Transactional
    public Optional<SpecView> byIdempotencyKey(String key) {
        if (key == null || key.isBlank()) {
            return Optional.empty();
        }
        return specs.specIdSubmittedAs(key).map(this::get);
    }

    /**
     * Stores the spec (a new one, or a new revision of the one with the same name and repository) in one
     * transaction. VAGUE tasks wait in NEEDS_DECISION; tasks whose dependencies and files allow are READY and
     * announced through the outbox.
     */
    @Transactional
    public SpecView create(NewSpec newSpec) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Optional<SpecView> replay = byIdempotencyKey(newSpec.idempotencyKey());
        if (replay.isPresent() && replay.get().project().equals(newSpec.project())) {
            return replay.get();
        }
        if (replay.isPresent()) {
            // a key is one submission: reused for another project it must neither replay nor reveal that spec
            throw new ProblemException(
                    422,
                    IDEMPOTENCY_KEY_REUSED,
                    "Idempotency-Key reused",
                    "this Idempotency-Key was used for another submission; use a new key",
                    List.of(new ProblemError("used for another submission", null, "Idempotency-Key")));
        }
        Optional<Spec> existing = specs.findLatestByName(newSpec.name(), newSpec.repository(), newSpec.project());
        SpecView view = existing.isPresent()
                ? revise(specs.findLocked(existing.get().id).orElseThrow(), newSpec, now)
                : createNew(newSpec, now);
        if (newSpec.idempotencyKey() != null && !newSpec.idempotencyKey().isBlank()) {
            specs.recordSubmission(newSpec.idempotencyKey(), view.id(), view.revision());
        }
        metrics.specAccepted(newSpec.format());
        return view;
    }

    private SpecView createNew(NewSpec newSpec, Instant now) {
        Spec spec = new Spec();
        spec.id = unusedId(newSpec.name());
        spec.name = newSpec.name();
        spec.repository = newSpec.repository();
        spec.baseBranch = newSpec.baseBranch();
        spec.sourceMarkdown = newSpec.sourceMarkdown();
        spec.createdAt = now;
        spec.updatedAt = now;
        spec.format = newSpec.format();
        spec.revision = 1;
        spec.defaultTestCommand = newSpec.defaultTestCommand();
        spec.project = newSpec.project();
        spec.submittedBy = newSpec.submittedBy();
        specs.persist(spec);

        List<Task> created = new ArrayList<>();
        for (int i = 0; i < newSpec.tasks().size(); i++) {
            Task task = mapper.toTask(
                    spec.id, i, newSpec.tasks().get(i), newSpec.quality().get(i), 1, now);
            task.writtenBy = newSpec.submittedBy();
            tasks.persist(task);
            created.add(task);
            gate(task, newSpec.quality().get(i));
        }
        release.release(spec, created);
        LOG.infof(
                "spec %s (%s, %s): %d tasks for %s@%s",
                spec.id, spec.name, spec.format, created.size(), spec.repository, spec.baseBranch);
        return mapper.toView(spec, created, decisions.openBySpec(spec.id));
    }

    /** VAGUE tasks are held for a person; the others are counted by class. */
    private void gate(Task task, QualityReport quality) {
        metrics.taskPlanned(quality.qualityClass());
        if (quality.qualityClass() == SpecQuality.VAGUE) {
            decisions.requestQuality(task, quality);
        }
    }

    private SpecView revise(Spec spec, NewSpec newSpec, Instant now) {
        int revision = spec.revision + 1;
        spec.revision = revision;
        spec.sourceMarkdown = newSpec.sourceMarkdown();
        spec.baseBranch = newSpec.baseBranch();
        spec.format = newSpec.format();
        spec.defaultTestCommand = newSpec.defaultTestCommand();
        spec.updatedAt = now;
        List<Task> current = tasks.listBySpec(spec.id);
        Map<String, Task> byId = new HashMap<>();
        current.forEach(t -> byId.put(t.taskId, t));
        int unchanged = 0;
        int changed = 0;
        int added = 0;
        int cancelled = 0;
        int position = 0;
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < newSpec.tasks().size(); i++) {
            ParsedTask parsed = newSpec.tasks().get(i);
            QualityReport quality = newSpec.quality().get(i);
            kept.add(parsed.id());
            Task task = byId.get(parsed.id());
            if (task == null) {
                task = mapper.toTask(spec.id, position++, parsed, quality, revision, now);
                task.writtenBy = newSpec.submittedBy();
                tasks.persist(task);
                gate(task, quality);
                added++;
                continue;
            }
            task.position = position++;
            if (task.textHash.equals(SpecMapper.textHash(parsed)) && task.state != TaskState.CANCELLED) {
                task.line = parsed.line();
                unchanged++;
                continue;
            }
            if (TaskRelease.IN_FLIGHT.contains(task.state)) {
                producer.command(spec, task, TaskCommandKind.SUPERSEDE, "task text changed in revision " + revision);
            }
            mapper.copyText(task, parsed, quality);
            task.revision = revision;
            task.writtenBy = newSpec.submittedBy();
            task.attempt = 0;
            task.state = TaskState.PLANNED;
            task.failureClass = null;
            task.reviewLevel = null;
            task.mergeCommit = null;
            task.updatedAt = now;
            gate(task, quality);
            changed++;
        }
        for (Task task : current) {
            if (!kept.contains(task.taskId) && task.origin == null && !task.state.isFinal()) {
                producer.command(spec, task, TaskCommandKind.CANCEL, "task removed in revision " + revision);
                task.state = TaskState.CANCELLED;
                task.position = position++;
                task.updatedAt = now;
                cancelled++;
            } else if (!kept.contains(task.taskId)) {
                task.position = position++; // proposed and finished tasks stay, after the spec's own
            }
        }
        tasks.flush();
        List<Task> all = tasks.listBySpec(spec.id);
        release.release(spec, all);
        LOG.infof(
                "spec %s revision %d: %d unchanged, %d changed, %d added, %d cancelled",
                spec.id, revision, unchanged, changed, added, cancelled);
        return mapper.toView(spec, all, decisions.openBySpec(spec.id));
    }

    /** The spec; 404 for an unknown one and, alike, for one of a project the caller does not see. */
    @Transactional
    public SpecView get(String id, SecurityIdentity caller) {
        Spec spec = specs.findByIdOptional(id).orElseThrow(() -> specNotFound(id));
        Callers.requireProject(caller, spec.project, () -> specNotFound(id));
        return mapper.toView(spec, tasks.listBySpec(id), decisions.openBySpec(id));
    }

    /** The spec for an idempotent replay (the caller's project was checked before). */
    @Transactional
    public SpecView get(String id) {
        Spec spec = specs.findByIdOptional(id).orElseThrow(() -> specNotFound(id));
        return mapper.toView(spec, tasks.listBySpec(id), decisions.openBySpec(id));
    }

    /** The project of a spec the caller sees; 404 like an unknown spec otherwise. */
    @Transactional
    public String requireVisible(String id, SecurityIdentity caller) {
        Spec spec = specs.findByIdOptional(id).orElseThrow(() -> specNotFound(id));
        Callers.requireProject(caller, spec.project, () -> specNotFound(id));
        return spec.project;
    }

    public static ProblemException specNotFound(String id) {
        return ProblemException.notFound("spec '" + id + "' does not exist");
    }

    /** The specs of the projects the caller sees, newest first. */
    @Transactional
    public List<SpecSummary> list(SecurityIdentity caller) {
        Map<String, Map<TaskState, Long>> counts = tasks.countStatesBySpec();
        return Callers.visible(caller, specs.listNewestFirst(), spec -> spec.project).stream()
                .map(spec -> mapper.toSummary(spec, counts.getOrDefault(spec.id, Map.of())))
                .toList();
    }

    private String unusedId(String name) {
        String id = SpecIds.newId(name);
        while (specs.findByIdOptional(id).isPresent()) {
            id = SpecIds.newId(name);
        }
        return id;
    }
}
