package dev.forgeline.planner.service;

import dev.forgeline.contracts.TaskState;
import dev.forgeline.planner.domain.Spec;
import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.dto.SpecSummary;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.mapping.SpecMapper;
import dev.forgeline.planner.messaging.TaskReadyProducer;
import dev.forgeline.planner.repository.SpecRepository;
import dev.forgeline.planner.repository.TaskRepository;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.support.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/** Stores validated specs with their task graph, and reads them back. */
@ApplicationScoped
public class SpecService {
    private static final Logger LOG = Logger.getLogger(SpecService.class);

    private final SpecRepository specs;
    private final TaskRepository tasks;
    private final SpecMapper mapper;
    private final TaskReadyProducer readyProducer;

    public SpecService(SpecRepository specs, TaskRepository tasks, SpecMapper mapper,
            TaskReadyProducer readyProducer) {
        this.specs = specs;
        this.tasks = tasks;
        this.mapper = mapper;
        this.readyProducer = readyProducer;
    }

    /**
     * Stores the spec and its tasks in one transaction. Tasks without dependencies are READY at once and
     * announced with TASK_READY through the outbox; the others wait as PLANNED.
     */
    @Transactional
    public SpecView create(NewSpec newSpec) {
        // database timestamps keep microseconds; so does the answer to the POST
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Spec spec = new Spec();
        spec.id = unusedId(newSpec.name());
        spec.name = newSpec.name();
        spec.repository = newSpec.repository();
        spec.baseBranch = newSpec.baseBranch();
        spec.sourceMarkdown = newSpec.sourceMarkdown();
        spec.createdAt = now;
        specs.persist(spec);

        List<Task> created = new ArrayList<>();
        int position = 0;
        for (ParsedTask parsed : newSpec.tasks()) {
            Task task = mapper.toTask(spec.id, position++, parsed, now);
            tasks.persist(task);
            created.add(task);
            if (task.state == TaskState.READY) {
                readyProducer.announce(spec, task);
            }
        }
        LOG.infof("spec %s (%s): %d tasks for %s@%s", spec.id, spec.name, created.size(), spec.repository,
                spec.baseBranch);
        return mapper.toView(spec, created);
    }

    @Transactional
    public SpecView get(String id) {
        Spec spec = specs.findByIdOptional(id)
                .orElseThrow(() -> ProblemException.notFound("spec '" + id + "' does not exist"));
        return mapper.toView(spec, tasks.listBySpec(id));
    }

    @Transactional
    public List<SpecSummary> list() {
        Map<String, Map<TaskState, Long>> counts = tasks.countStatesBySpec();
        return specs.listNewestFirst().stream()
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
