package dev.forgeline.dispatcher.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.domain.RetryStrategy;

/**
 * The retry table: for each failure class a strategy and how many retries it allows within one request, plus an
 * exponential backoff with jitter shared by all classes. Pure logic; the defaults below are the documented table
 * and {@code forgeline.dispatcher.retry.classes.<CLASS>.*} overrides any row.
 */
public final class RetryPolicy {
    /** One row of the table. */
    public record Rule(RetryStrategy strategy, int maxRetries) {}

    /**
     * What happens after a failed attempt.
     *
     * @param retry       whether the task runs again
     * @param delay       backoff before the next lease (zero when not retried)
     * @param nextProfile agent profile of the next attempt (null = the task's own)
     * @param reason      why, for the lifecycle event, the log and the attempt history
     */
    public record Decision(boolean retry, RetryStrategy strategy, Duration delay, String nextProfile, String reason) {}

    /**
     * What is known about the failure being decided.
     *
     * @param currentProfile  the profile the attempt ran (the node's default when the lease named none)
     * @param currentContext  its context size in tokens as the node advertised it; null when unknown
     * @param offeredContexts profiles offered by the nodes that can run the task (not DEAD, requirements met), with
     *                        their context sizes in tokens
     */
    public record Failure(
            FailureClass failureClass,
            int attemptsUsed,
            int retriesOfClass,
            String currentProfile,
            Integer currentContext,
            Map<String, Integer> offeredContexts,
            Instant firstReadyAt,
            Instant now) {
        public Failure {
            offeredContexts = offeredContexts == null ? Map.of() : Map.copyOf(offeredContexts);
        }

        /** A failure that says nothing about profiles. */
        public Failure(
                FailureClass failureClass,
                int attemptsUsed,
                int retriesOfClass,
                String currentProfile,
                Instant firstReadyAt,
                Instant now) {
            this(failureClass, attemptsUsed, retriesOfClass, currentProfile, null, Map.of(), firstReadyAt, now);
        }
    }

    /**
     * Failure classes that are the infrastructure's, not the task's (its worker was killed or lost, the network
     * went): only their own class's retries bound them, never {@code max-attempts}, so a fleet's faults do not
     * fail a task for good that has not failed by itself.
     */
    public static final Set<FailureClass> INFRASTRUCTURE = EnumSet.of(FailureClass.ORPHANED, FailureClass.NETWORK);

    static final Map<FailureClass, Rule> DEFAULTS = defaults();

    /** The built-in table (documented in docs/operations.md). */
    public static Map<FailureClass, Rule> defaultTable() {
        return DEFAULTS;
    }

    private final Map<FailureClass, Rule> table;
    private final Duration initialBackoff;
    private final double multiplier;
    private final Duration maxBackoff;
    private final double jitter;
    private final int maxAttempts;
    private final Duration scheduleToClose;
    private final int contextFreshSessionRetries;
    private final DoubleSupplier random;

    public RetryPolicy(
            Map<FailureClass, Rule> table,
            Duration initialBackoff,
            double multiplier,
            Duration maxBackoff,
            double jitter,
            int maxAttempts,
            Duration scheduleToClose,
            int contextFreshSessionRetries,
            DoubleSupplier random) {
        this.table = Map.copyOf(table);
        this.initialBackoff = initialBackoff;
        this.multiplier = multiplier;
        this.maxBackoff = maxBackoff;
        this.jitter = jitter;
        this.maxAttempts = maxAttempts;
        this.scheduleToClose = scheduleToClose;
        this.contextFreshSessionRetries = contextFreshSessionRetries;
        this.random = random;
    }

    /** The table from configuration: the defaults with every configured override applied. */
    public static RetryPolicy from(DispatcherConfig config) {
        Map<FailureClass, Rule> table = new EnumMap<>(DEFAULTS);
        config.retry().classes().forEach((failureClass, policy) -> {
            Rule base = table.get(failureClass);
            RetryStrategy strategy = policy.strategy()
                    .map(s -> RetryStrategy.valueOf(s.trim().toUpperCase()))
                    .orElse(base.strategy());
            int maxRetries = policy.maxRetries().orElse(base.maxRetries());
            table.put(failureClass, new Rule(strategy, maxRetries));
        });
        return new RetryPolicy(
                table,
                config.retry().initialBackoff(),
                config.retry().multiplier(),
                config.retry().maxBackoff(),
                config.retry().jitter(),
                config.maxAttempts(),
                config.scheduleToClose(),
                config.retry().contextFreshSessionRetries(),
                Math::random);
    }

    private static Map<FailureClass, Rule> defaults() {
        Map<FailureClass, Rule> table = new EnumMap<>(FailureClass.class);
        table.put(FailureClass.ORPHANED, new Rule(RetryStrategy.RETRY, 10));
        table.put(FailureClass.TIMEOUT, new Rule(RetryStrategy.RETRY, 2));
        table.put(FailureClass.NETWORK, new Rule(RetryStrategy.RETRY, 10));
        table.put(FailureClass.AGENT_ERROR, new Rule(RetryStrategy.RETRY, 2));
        table.put(FailureClass.TEST_FAILURE, new Rule(RetryStrategy.RETRY_WITH_OUTPUT, 2));
        table.put(FailureClass.CONTEXT_EXHAUSTED, new Rule(RetryStrategy.LARGER_CONTEXT, 2));
        table.put(FailureClass.DEPENDENCY_RESOLUTION, new Rule(RetryStrategy.BACKOFF, 3));
        table.put(FailureClass.AMBIGUOUS_SPEC, new Rule(RetryStrategy.HUMAN_DECISION, 0));
        table.put(FailureClass.MERGE_CONFLICT, new Rule(RetryStrategy.RETRY_WITH_REVIEW_COMMENT, 2));
        table.put(FailureClass.CHANGES_REQUESTED, new Rule(RetryStrategy.RETRY_WITH_REVIEW_COMMENT, 3));
        table.put(FailureClass.BUDGET_EXCEEDED, new Rule(RetryStrategy.NEVER, 0));
        table.put(FailureClass.CANCELLED, new Rule(RetryStrategy.NEVER, 0));
        return table;
    }

    public Rule rule(FailureClass failureClass) {
        return table.get(failureClass);
    }

    public Map<FailureClass, Rule> table() {
        return table;
    }

    public Decision decide(Failure failure) {
        Rule rule = table.get(failure.failureClass());
        RetryStrategy strategy = rule.strategy();
        String cls = failure.failureClass().name();
        if (strategy == RetryStrategy.NEVER) {
            return permanent(strategy, cls + " is never retried");
        }
        if (strategy == RetryStrategy.HUMAN_DECISION) {
            return permanent(strategy, cls + " is never retried blindly: a person decides");
        }
        if (failure.firstReadyAt() != null
                && failure.now().isAfter(failure.firstReadyAt().plus(scheduleToClose))) {
            return permanent(
                    strategy,
                    "schedule-to-close limit of " + scheduleToClose + " since " + failure.firstReadyAt() + " passed");
        }
        if (failure.retriesOfClass() >= rule.maxRetries()) {
            return permanent(
                    strategy, cls + " retried " + failure.retriesOfClass() + " of " + rule.maxRetries() + " times");
        }
        if (!INFRASTRUCTURE.contains(failure.failureClass()) && failure.attemptsUsed() >= maxAttempts) {
            return permanent(strategy, "all " + maxAttempts + " attempts used");
        }
        String nextProfile = null;
        String how = strategy.name();
        if (strategy == RetryStrategy.LARGER_CONTEXT) {
            Optional<String> larger = largerProfile(failure);
            if (larger.isPresent()) {
                nextProfile = larger.get();
                how += " on profile " + nextProfile;
            } else if (failure.retriesOfClass() < contextFreshSessionRetries) {
                // nothing larger to move to: the same profile once more, in a fresh session told it ran out
                how += ": no larger context offered, same profile in a fresh session";
            } else {
                String current = failure.currentProfile() == null ? "the node's default" : failure.currentProfile();
                return permanent(
                        strategy,
                        failure.currentContext() == null || failure.currentContext() <= 0
                                ? "CONTEXT_EXHAUSTED on " + current + ", whose context size no node advertises, so no"
                                        + " agent profile with a larger context can be chosen: the planner splits the"
                                        + " task"
                                : "CONTEXT_EXHAUSTED and no agent profile with a larger context than " + current
                                        + " (" + failure.currentContext() + " tokens) is offered by a node that can"
                                        + " run the task: the planner splits the task");
            }
        }
        Duration delay = backoff(failure.retriesOfClass() + 1);
        String reason = cls + " retry " + (failure.retriesOfClass() + 1) + " of " + rule.maxRetries() + " ("
                + how + ") in " + delay.toMillis()
                + " ms";
        return new Decision(true, strategy, delay, nextProfile, reason);
    }

    /** Backoff before the n-th retry (1-based): initial x multiplier^(n-1), capped, with jitter. */
    public Duration backoff(int retry) {
        double base = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, retry - 1));
        double capped = Math.min(base, maxBackoff.toMillis());
        double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.max(0, Math.round(capped * factor)));
    }

    /**
     * The offered profile with the smallest context larger than the one the attempt ran on; none when that one's size
     * is unknown (a guess could pick a smaller one).
     */
    static Optional<String> largerProfile(Failure failure) {
        Integer current = failure.currentContext();
        if (current == null || current <= 0) {
            return Optional.empty();
        }
        return failure.offeredContexts().entrySet().stream()
                .filter(e -> e.getValue() != null && e.getValue() > current)
                .min(Comparator.comparingInt(Map.Entry<String, Integer>::getValue)
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    private static Decision permanent(RetryStrategy strategy, String reason) {
        return new Decision(false, strategy, Duration.ZERO, null, reason);
    }
}
