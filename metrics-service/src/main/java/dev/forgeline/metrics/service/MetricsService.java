package dev.forgeline.metrics.service;

import dev.forgeline.contracts.TaskProgress;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.metrics.domain.TaskFact;
import dev.forgeline.metrics.repository.TaskFactRepository;
import dev.forgeline.metrics.repository.TaskFactRepository.StateCount;
import dev.forgeline.metrics.repository.TaskFactRepository.Totals;
import dev.forgeline.metrics.rest.MetricsSummary;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Folds every topic's events into one fact row per task, and sums them. */
@ApplicationScoped
public class MetricsService {
    private static final String NO_STATE_YET = "UNKNOWN";
    private final TaskFactRepository facts;

    public MetricsService(TaskFactRepository facts) {
        this.facts = facts;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onReady(TaskReady ready, Instant occurredAt) {
        TaskFact fact = facts.lockOrCreate(ready.specId(), ready.taskId());
        if (fact.readyAt == null) {
            fact.readyAt = occurredAt;
        }
        // task.ready is the state before the first attempt (attempt 0)
        applyState(fact, TaskState.READY, 0);
        fact.updatedAt = Instant.now();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onStateChanged(TaskStateChanged change) {
        TaskFact fact = facts.lockOrCreate(change.specId(), change.taskId());
        fact.attempts = Math.max(fact.attempts, change.attempt());
        if (applyState(fact, change.state(), change.attempt()) && change.state() == TaskState.FAILED) {
            fact.failureClass = change.failureClass();
        }
        fact.updatedAt = Instant.now();
    }

    /** Adds an attempt's compute time, tokens and cost (and lines, if it succeeded) once per fencing token. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onResult(TaskResult result) {
        TaskFact fact = facts.lockOrCreate(result.specId(), result.taskId());
        if (!facts.markResultCounted(result.specId(), result.taskId(), result.fencingToken())) {
            return; // the same attempt's result sent again
        }
        fact.attempts = Math.max(fact.attempts, result.attempt());
        fact.computeMillis += result.computeMillis();
        if (result.usage() != null) {
            fact.inputTokens += result.usage().inputTokens();
            fact.outputTokens += result.usage().outputTokens();
            if (result.usage().costUsd() != null) {
                fact.costUsd = fact.costUsd.add(result.usage().costUsd());
            }
        }
        if (result.succeeded() && result.diff() != null) {
            fact.linesAdded += result.diff().linesAdded();
        }
        fact.updatedAt = Instant.now();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onReviewOutcome(ReviewOutcome outcome, Instant occurredAt) {
        TaskFact fact = facts.lockOrCreate(outcome.specId(), outcome.taskId());
        fact.attempts = Math.max(fact.attempts, outcome.attempt());
        applyState(fact, outcome.state(), outcome.attempt());
        if (outcome.state() == TaskState.MERGED) {
            // a fact about the base branch, whatever the order the state events came in
            fact.linesMerged = outcome.linesMerged();
            fact.mergedAt = occurredAt;
        }
        fact.updatedAt = Instant.now();
    }

    @Transactional
    public MetricsSummary summary(Optional<String> specId) {
        Totals totals = facts.totals(specId);
        Map<String, Long> byState = new LinkedHashMap<>();
        facts.countByState(specId).stream()
                .sorted((a, b) -> Integer.compare(ordinal(a), ordinal(b)))
                .forEach(c -> byState.put(c.state() == null ? NO_STATE_YET : c.state().name(), c.count()));
        return new MetricsSummary(totals.tasks(), byState, totals.attempts(), totals.computeMillis(),
                totals.linesAdded(), totals.linesMerged(), totals.costUsd(), totals.inputTokens(),
                totals.outputTokens());
    }

    private static boolean applyState(TaskFact fact, TaskState state, int attempt) {
        if (state == null || !TaskProgress.applies(fact.state, fact.attempt, state, attempt)) {
            return false;
        }
        fact.state = state;
        fact.attempt = attempt;
        return true;
    }

    private static int ordinal(StateCount count) {
        return count.state() == null ? Integer.MAX_VALUE : count.state().ordinal();
    }
}
