package dev.forgeline.dispatcher.retry;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.PreviousAttempt;
import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.breaker.BreakerRules;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.RetryStrategy;
import dev.forgeline.dispatcher.lease.LeaseOutcomeService;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.repository.AttemptRepository;
import dev.forgeline.dispatcher.repository.AttemptRepository.NewAttempt;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.TaskRow;
import dev.forgeline.dispatcher.retry.RetryPolicy.Decision;
import dev.forgeline.dispatcher.retry.RetryPolicy.Failure;
import dev.forgeline.support.outbox.Outbox;
import org.jboss.logging.Logger;

/**
 * Decides, through the retry table, what follows a failed attempt, and records every finished attempt in the
 * task_attempt history. Runs inside the caller's transaction, with the task row locked.
 */
@ApplicationScoped
public class RetryService {
    private static final Logger LOG = Logger.getLogger(RetryService.class);
    static final int MAX_TAIL = 4000;

    private final TaskRepository tasks;
    private final NodeRepository nodes;
    private final AttemptRepository attempts;
    private final CounterRepository counters;
    private final Outbox outbox;
    private final DispatcherMetrics metrics;
    private final DispatchLoop dispatchLoop;
    private final ObjectMapper json;
    private final RetryPolicy policy;

    public RetryService(
            TaskRepository tasks,
            NodeRepository nodes,
            AttemptRepository attempts,
            CounterRepository counters,
            Outbox outbox,
            DispatcherMetrics metrics,
            DispatchLoop dispatchLoop,
            ObjectMapper json,
            DispatcherConfig config) {
        this.tasks = tasks;
        this.nodes = nodes;
        this.attempts = attempts;
        this.counters = counters;
        this.outbox = outbox;
        this.metrics = metrics;
        this.dispatchLoop = dispatchLoop;
        this.json = json;
        this.policy = RetryPolicy.from(config);
    }

    public RetryPolicy policy() {
        return policy;
    }

    /** The attempt that just ended. */
    public record EndedAttempt(
            int attempt, UUID leaseId, String nodeName, String agentProfile, Long fencingToken, String outcome) {}

    /** Records a succeeded attempt (the breakers count it as a success). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void succeeded(TaskRow task, EndedAttempt ended) {
        attempts.insert(new NewAttempt(
                task.specId(),
                task.taskId(),
                ended.attempt(),
                ended.leaseId(),
                ended.nodeName(),
                ended.agentProfile(),
                ended.fencingToken(),
                ended.outcome(),
                null,
                null,
                "NONE",
                null,
                null,
                false,
                false));
    }

    /** Records an attempt that ended without a decision to take (cancelled by an operator or a command). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void cancelled(TaskRow task, EndedAttempt ended, String detail) {
        attempts.insert(new NewAttempt(
                task.specId(),
                task.taskId(),
                ended.attempt(),
                ended.leaseId(),
                ended.nodeName(),
                ended.agentProfile(),
                ended.fencingToken(),
                ended.outcome(),
                FailureClass.CANCELLED,
                detail,
                "NONE",
                null,
                null,
                null,
                null));
    }

    /**
     * Applies the retry table to a failed attempt: the task goes back to READY after the backoff (with the
     * context the class calls for) or FAILED for good. Publishes FAILED (permanent when no retry follows) and,
     * on a retry, READY.
     *
     * @param outputTail    the failing output (test or agent), used as context by RETRY_WITH_OUTPUT
     * @param reviewComment the reviewer's comment, used as context by RETRY_WITH_REVIEW_COMMENT
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Decision failed(
            TaskRow task,
            EndedAttempt ended,
            FailureClass failureClass,
            String detail,
            String outputTail,
            String reviewComment) {
        Map<FailureClass, Integer> retries = attempts.retriesByClass(task.specId(), task.taskId(), task.attemptBase());
        int retriesOfClass = retries.getOrDefault(failureClass, 0);
        // attempts the infrastructure lost (a killed worker, a lost network) are not the task's: they do not use up
        // max-attempts, only their own class's retries
        int infrastructureAttempts = RetryPolicy.INFRASTRUCTURE.stream()
                        .mapToInt(c -> retries.getOrDefault(c, 0))
                        .sum()
                + (RetryPolicy.INFRASTRUCTURE.contains(failureClass) ? 1 : 0);
        Instant now = Instant.now();
        String ranProfile = ended.agentProfile();
        Integer ranContext = null;
        Map<String, Integer> offered = Map.of();
        if (policy.rule(failureClass).strategy() == RetryStrategy.LARGER_CONTEXT) {
            // what the attempt really ran on: the named profile, or the node's default (its first offer)
            List<ProfileOffer> nodeOffers = ended.nodeName() == null ? List.of() : nodes.offersOf(ended.nodeName());
            String named = ranProfile;
            Optional<ProfileOffer> ran = named == null
                    ? nodeOffers.stream().findFirst()
                    : nodeOffers.stream().filter(o -> named.equals(o.name())).findFirst();
            offered = nodes.offeredContextsFor(task.specId(), task.taskId());
            if (ran.isPresent()) {
                ranProfile = ran.get().name();
                ranContext = ran.get().contextTokens();
            } else if (ranProfile != null) {
                ranContext = offered.get(ranProfile);
            }
        }
        Decision decision = policy.decide(new Failure(
                failureClass,
                task.attempt() - task.attemptBase() - infrastructureAttempts,
                retriesOfClass,
                ranProfile,
                ranContext,
                offered,
                task.firstReadyAt(),
                now));
        String shortDetail = LeaseOutcomeService.truncate(detail);
        Instant retryAt = decision.retry() ? now.plus(decision.delay()) : null;
        attempts.insert(new NewAttempt(
                task.specId(),
                task.taskId(),
                ended.attempt(),
                ended.leaseId(),
                ended.nodeName(),
                ended.agentProfile(),
                ended.fencingToken(),
                ended.outcome(),
                failureClass,
                shortDetail,
                decision.retry() ? "RETRY" : "PERMANENT",
                decision.nextProfile(),
                retryAt,
                BreakerRules.blamesNode(failureClass),
                BreakerRules.blamesProfile(failureClass)));
        long token = ended.fencingToken() == null ? 0 : ended.fencingToken();
        String key = Topics.key(task.specId(), task.taskId());
        String reason = (shortDetail == null ? failureClass.name() : shortDetail) + "; " + decision.reason();
        outbox.append(
                EventType.TASK_STATE_CHANGED,
                task.specId(),
                task.taskId(),
                key,
                new TaskStateChanged(
                        task.specId(),
                        task.taskId(),
                        TaskState.FAILED,
                        ended.attempt(),
                        ended.nodeName(),
                        token,
                        failureClass,
                        LeaseOutcomeService.truncate(reason),
                        !decision.retry()),
                task.traceContext());
        metrics.failure(failureClass, !decision.retry());
        if (decision.retry()) {
            String nextProfile = decision.nextProfile() != null ? decision.nextProfile() : task.leaseProfile();
            PreviousAttempt previous = new PreviousAttempt(
                    ended.attempt(),
                    failureClass,
                    shortDetail,
                    decision.strategy() == RetryStrategy.RETRY_WITH_OUTPUT ? tail(outputTail) : null,
                    decision.strategy() == RetryStrategy.RETRY_WITH_REVIEW_COMMENT ? tail(reviewComment) : null);
            tasks.requeue(
                    task.specId(), task.taskId(), retryAt, nextProfile, encode(previous), failureClass, shortDetail);
            outbox.append(
                    EventType.TASK_STATE_CHANGED,
                    task.specId(),
                    task.taskId(),
                    key,
                    new TaskStateChanged(
                            task.specId(),
                            task.taskId(),
                            TaskState.READY,
                            ended.attempt(),
                            ended.nodeName(),
                            token,
                            failureClass,
                            LeaseOutcomeService.truncate(reason)),
                    task.traceContext());
            counters.increment(Counter.RETRIES, 1);
            metrics.retry(failureClass);
            dispatchLoop.wakeAfterCommit();
        } else {
            tasks.finish(task.specId(), task.taskId(), TaskState.FAILED, failureClass, shortDetail, true);
            counters.increment(Counter.PERMANENT_FAILURES, 1);
        }
        LOG.infof(
                "attempt %d of %s/%s (token %s, node %s) failed with %s: %s",
                ended.attempt(),
                task.specId(),
                task.taskId(),
                ended.fencingToken(),
                ended.nodeName(),
                failureClass,
                decision.reason());
        return decision;
    }

    /** Publishes FAILED permanent=true for a task failed for good outside an attempt (schedule-to-close). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void announceFinalFailure(TaskRow task, FailureClass failureClass, String reason) {
        outbox.append(
                EventType.TASK_STATE_CHANGED,
                task.specId(),
                task.taskId(),
                Topics.key(task.specId(), task.taskId()),
                new TaskStateChanged(
                        task.specId(),
                        task.taskId(),
                        TaskState.FAILED,
                        task.attempt(),
                        task.nodeName(),
                        task.fencingToken() == null ? 0 : task.fencingToken(),
                        failureClass,
                        reason,
                        true),
                task.traceContext());
        counters.increment(Counter.PERMANENT_FAILURES, 1);
        metrics.failure(failureClass, true);
    }

    private static String tail(String text) {
        if (text == null || text.length() <= MAX_TAIL) {
            return text;
        }
        return text.substring(text.length() - MAX_TAIL);
    }

    private String encode(PreviousAttempt previous) {
        try {
            return json.writeValueAsString(previous);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("PreviousAttempt cannot be encoded", e);
        }
    }
}
