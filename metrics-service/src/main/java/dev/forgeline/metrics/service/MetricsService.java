package dev.forgeline.metrics.service;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.TreeMap;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskProgress;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.BreakerChanged;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.metrics.domain.FactRows.BacklogRow;
import dev.forgeline.metrics.domain.TaskFact;
import dev.forgeline.metrics.repository.FactRepository;
import dev.forgeline.metrics.repository.TaskFactRepository;

/** Folds every topic's events into fact rows: one per task, per attempt, per failure, per decision. */
@ApplicationScoped
public class MetricsService {
    private final TaskFactRepository tasks;
    private final FactRepository facts;
    private final BudgetService budgets;

    public MetricsService(TaskFactRepository tasks, FactRepository facts, BudgetService budgets) {
        this.tasks = tasks;
        this.facts = facts;
        this.budgets = budgets;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onReady(TaskReady ready, Instant occurredAt) {
        TaskFact fact = tasks.lockOrCreate(ready.specId(), ready.taskId());
        if (fact.readyAt == null) {
            fact.readyAt = occurredAt;
        }
        fact.seen(occurredAt);
        // a newer revision's task.ready carries the newer text's class, priority and labels
        fact.specName = ready.specName();
        fact.project = ready.project();
        if (ready.qualityClass() != null) {
            fact.qualityClass = ready.qualityClass();
        }
        fact.priority = ready.priority();
        fact.labels = new TreeMap<>(ready.labels())
                .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n"));
        if (ready.repository() != null && !ready.repository().isBlank()) {
            fact.repository = ready.repository();
        }
        // task.ready is the state before the first attempt (attempt 0)
        applyState(fact, TaskState.READY, 0);
        fact.updatedAt = Instant.now();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onLeased(TaskLeased lease, Instant occurredAt) {
        TaskReady task = lease.task();
        if (task == null) {
            return;
        }
        TaskFact fact = tasks.lockOrCreate(task.specId(), task.taskId());
        fact.seen(occurredAt);
        fact.attempts = Math.max(fact.attempts, lease.attempt());
        if (fact.repository == null
                && task.repository() != null
                && !task.repository().isBlank()) {
            fact.repository = task.repository();
        }
        if (fact.qualityClass == null) {
            fact.qualityClass = task.qualityClass();
        }
        facts.recordLease(
                task.specId(),
                task.taskId(),
                lease.fencingToken(),
                lease.attempt(),
                lease.nodeName(),
                lease.agentProfile() != null ? lease.agentProfile() : task.agentProfile(),
                lease.leasedAt() != null ? lease.leasedAt() : occurredAt);
        fact.updatedAt = Instant.now();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onStateChanged(TaskStateChanged change, Instant occurredAt) {
        TaskFact fact = tasks.lockOrCreate(change.specId(), change.taskId());
        fact.seen(occurredAt);
        fact.attempts = Math.max(fact.attempts, change.attempt());
        if (applyState(fact, change.state(), change.attempt()) && change.state() == TaskState.FAILED) {
            fact.failureClass = change.failureClass();
        }
        if (change.state() == TaskState.FAILED) {
            FailureClass failureClass =
                    change.failureClass() == null ? FailureClass.AGENT_ERROR : change.failureClass();
            facts.recordFailure(
                    change.specId(), change.taskId(), change.attempt(), failureClass.name(), change.permanent());
            if (change.permanent()) {
                fact.permanentFailureClass = failureClass;
            }
        }
        fact.updatedAt = Instant.now();
    }

    /**
     * Adds an attempt's compute time, tokens and cost (and lines, if it succeeded) once per fencing token, then
     * checks the budgets the cost counts against.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onResult(TaskResult result, Instant occurredAt) {
        TaskFact fact = tasks.lockOrCreate(result.specId(), result.taskId());
        fact.seen(occurredAt);
        if (!tasks.markResultCounted(result.specId(), result.taskId(), result.fencingToken())) {
            return; // the same attempt's result sent again
        }
        fact.attempts = Math.max(fact.attempts, result.attempt());
        fact.computeMillis += result.computeMillis();
        AgentUsage usage = result.usage();
        BigDecimal cost = usage == null || usage.costUsd() == null ? BigDecimal.ZERO : usage.costUsd();
        if (usage != null) {
            fact.inputTokens += usage.inputTokens();
            fact.outputTokens += usage.outputTokens();
            fact.costUsd = fact.costUsd.add(cost);
        }
        int linesAdded =
                result.succeeded() && result.diff() != null ? result.diff().linesAdded() : 0;
        fact.linesAdded += linesAdded;
        facts.recordResult(
                result.specId(),
                result.taskId(),
                result.fencingToken(),
                result.attempt(),
                usage == null ? null : usage.agentProfile(),
                result.succeeded(),
                result.failureClass() == null ? null : result.failureClass().name(),
                usage == null ? null : usage.provider(),
                usage == null ? null : usage.model(),
                cost,
                usage != null && usage.costEstimated(),
                result.computeMillis(),
                usage == null ? 0 : usage.inputTokens(),
                usage == null ? 0 : usage.outputTokens(),
                linesAdded,
                result.startedAt(),
                result.finishedAt() != null ? result.finishedAt() : occurredAt);
        fact.updatedAt = Instant.now();
        if (cost.signum() > 0) {
            budgets.check(result.specId(), result.finishedAt() != null ? result.finishedAt() : occurredAt);
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onReviewOutcome(ReviewOutcome outcome, Instant occurredAt) {
        TaskFact fact = tasks.lockOrCreate(outcome.specId(), outcome.taskId());
        fact.seen(occurredAt);
        fact.attempts = Math.max(fact.attempts, outcome.attempt());
        boolean applied = applyState(fact, outcome.state(), outcome.attempt());
        if (outcome.repository() != null && !outcome.repository().isBlank() && fact.repository == null) {
            fact.repository = outcome.repository();
        }
        if (outcome.state() == TaskState.IN_REVIEW || outcome.state() == TaskState.MERGED) {
            if (applied || fact.reviewLevel == null) {
                fact.reviewLevel = outcome.level();
            }
        }
        if (outcome.state() == TaskState.MERGED) {
            // a fact about the base branch, whatever the order the state events came in
            fact.linesMerged = outcome.linesMerged();
            fact.mergedAt = occurredAt;
            fact.mergedBy = outcome.reviewer();
            fact.mergedAttempt = outcome.attempt();
            fact.reviewLevel = outcome.level();
        }
        if (outcome.state() == TaskState.FAILED && outcome.failureClass() != null) {
            // a merge conflict or requested changes: the attempt runs again
            facts.recordFailure(
                    outcome.specId(),
                    outcome.taskId(),
                    outcome.attempt(),
                    outcome.failureClass().name(),
                    false);
        }
        fact.updatedAt = Instant.now();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onDecision(DecisionRecorded decision) {
        if (decision.kind() == null || decision.requestedAt() == null || decision.decidedAt() == null) {
            return; // no lag can be measured
        }
        facts.recordDecision(
                decision.decisionId(),
                decision.specId(),
                decision.taskId(),
                decision.kind().name(),
                decision.level(),
                decision.requestedAt(),
                decision.decidedAt(),
                decision.decidedBy(),
                decision.outcome(),
                decision.project());
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onBreakerChanged(BreakerChanged change, Instant occurredAt) {
        if (change.to() == null) {
            return;
        }
        facts.recordBreaker(
                change.scope(),
                change.key(),
                change.to().name(),
                change.to() == dev.forgeline.contracts.BreakerState.OPEN,
                change.at() != null ? change.at() : occurredAt);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void onReviewBacklog(ReviewBacklog backlog, Instant occurredAt) {
        facts.recordBacklog(new BacklogRow(
                backlog.pendingHighRisk(),
                backlog.pendingTotal(),
                backlog.dailyCapacity(),
                backlog.holdBack(),
                backlog.reason(),
                backlog.at() != null ? backlog.at() : occurredAt));
    }

    private static boolean applyState(TaskFact fact, TaskState state, int attempt) {
        if (state == null || !TaskProgress.applies(fact.state, fact.attempt, state, attempt)) {
            return false;
        }
        fact.state = state;
        fact.attempt = attempt;
        return true;
    }
}
