package dev.forgeline.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.dispatcher.domain.RetryStrategy;
import dev.forgeline.dispatcher.retry.RetryPolicy;
import dev.forgeline.dispatcher.retry.RetryPolicy.Decision;
import dev.forgeline.dispatcher.retry.RetryPolicy.Failure;
import org.junit.jupiter.api.Test;

/** The retry table, class by class, and its backoff. */
class RetryPolicyTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private static RetryPolicy policy(double random) {
        return policy(random, 1);
    }

    private static RetryPolicy policy(double random, int contextFreshSessionRetries) {
        return new RetryPolicy(
                RetryPolicy.defaultTable(),
                Duration.ofSeconds(1),
                2.0,
                Duration.ofSeconds(30),
                0.2,
                10,
                Duration.ofHours(24),
                contextFreshSessionRetries,
                () -> random);
    }

    private static Decision decide(
            RetryPolicy policy, FailureClass failureClass, int attemptsUsed, int retries, String profile) {
        return policy.decide(new Failure(failureClass, attemptsUsed, retries, profile, NOW.minusSeconds(60), NOW));
    }

    @Test
    void everyClassHasARowAndTheDocumentedStrategy() {
        RetryPolicy policy = policy(0.5);
        for (FailureClass failureClass : FailureClass.values()) {
            assertThat(policy.rule(failureClass)).as(failureClass.name()).isNotNull();
        }
        assertThat(policy.rule(FailureClass.ORPHANED).strategy()).isEqualTo(RetryStrategy.RETRY);
        assertThat(policy.rule(FailureClass.TIMEOUT).strategy()).isEqualTo(RetryStrategy.RETRY);
        assertThat(policy.rule(FailureClass.NETWORK).strategy()).isEqualTo(RetryStrategy.RETRY);
        assertThat(policy.rule(FailureClass.TEST_FAILURE))
                .isEqualTo(new RetryPolicy.Rule(RetryStrategy.RETRY_WITH_OUTPUT, 2));
        assertThat(policy.rule(FailureClass.CONTEXT_EXHAUSTED).strategy()).isEqualTo(RetryStrategy.LARGER_CONTEXT);
        assertThat(policy.rule(FailureClass.DEPENDENCY_RESOLUTION).strategy()).isEqualTo(RetryStrategy.BACKOFF);
        assertThat(policy.rule(FailureClass.AMBIGUOUS_SPEC).strategy()).isEqualTo(RetryStrategy.HUMAN_DECISION);
        assertThat(policy.rule(FailureClass.BUDGET_EXCEEDED).strategy()).isEqualTo(RetryStrategy.NEVER);
        assertThat(policy.rule(FailureClass.CANCELLED).strategy()).isEqualTo(RetryStrategy.NEVER);
    }

    @Test
    void retryAsIsClassesRunAgainUntilTheirLimit() {
        RetryPolicy policy = policy(0.5);
        for (FailureClass failureClass : new FailureClass[] {
            FailureClass.ORPHANED, FailureClass.TIMEOUT, FailureClass.NETWORK, FailureClass.AGENT_ERROR
        }) {
            int max = policy.rule(failureClass).maxRetries();
            Decision first = decide(policy, failureClass, 1, 0, null);
            assertThat(first.retry()).as(failureClass.name()).isTrue();
            assertThat(first.strategy()).isEqualTo(RetryStrategy.RETRY);
            assertThat(first.nextProfile()).isNull();
            Decision last = decide(policy, failureClass, max + 1, max, null);
            assertThat(last.retry()).as(failureClass.name()).isFalse();
            assertThat(last.reason()).contains("retried " + max + " of " + max);
        }
    }

    @Test
    void testFailureRetriesWithOutputAtMostTwice() {
        RetryPolicy policy = policy(0.5);
        assertThat(decide(policy, FailureClass.TEST_FAILURE, 1, 0, null).strategy())
                .isEqualTo(RetryStrategy.RETRY_WITH_OUTPUT);
        assertThat(decide(policy, FailureClass.TEST_FAILURE, 2, 1, null).retry())
                .isTrue();
        assertThat(decide(policy, FailureClass.TEST_FAILURE, 3, 2, null).retry())
                .isFalse();
    }

    private static final Map<String, Integer> OFFERED =
            Map.of("sonnet", 200_000, "large-context", 1_000_000, "huge", 2_000_000, "mini", 128_000);

    private static Decision contextExhausted(RetryPolicy policy, int retries, String profile, Integer context) {
        return policy.decide(new Failure(
                FailureClass.CONTEXT_EXHAUSTED,
                retries + 1,
                retries,
                profile,
                context,
                OFFERED,
                NOW.minusSeconds(60),
                NOW));
    }

    @Test
    void contextExhaustedMovesToTheSmallestLargerOfferedProfileThenFailsForTheSplit() {
        RetryPolicy policy = policy(0.5);
        assertThat(contextExhausted(policy, 0, "sonnet", 200_000).nextProfile()).isEqualTo("large-context");
        // the node's default ran with 128k: the next larger offer, never a profile named after the default
        assertThat(contextExhausted(policy, 0, "mini", 128_000).nextProfile()).isEqualTo("sonnet");
        assertThat(contextExhausted(policy, 1, "large-context", 1_000_000).nextProfile())
                .isEqualTo("huge");
        Decision none = contextExhausted(policy, 1, "huge", 2_000_000);
        assertThat(none.retry()).isFalse();
        assertThat(none.reason())
                .contains("no agent profile with a larger context than huge")
                .contains("split");
        // a context size nobody advertised cannot be compared: never guess a profile; after the fresh session, split
        Decision unknown = contextExhausted(policy, 1, null, null);
        assertThat(unknown.retry()).isFalse();
        assertThat(unknown.nextProfile()).isNull();
        assertThat(unknown.reason()).contains("no node advertises").contains("split");
    }

    @Test
    void contextExhaustedWithNothingLargerRunsOnceMoreOnTheSameProfileInAFreshSessionThenFailsForTheSplit() {
        RetryPolicy policy = policy(0.5);
        Decision first = contextExhausted(policy, 0, "huge", 2_000_000);
        assertThat(first.retry()).isTrue();
        assertThat(first.nextProfile()).as("the task's own profile").isNull();
        assertThat(first.reason()).contains("retry 1 of 2").contains("same profile in a fresh session");
        Decision unknown = contextExhausted(policy, 0, null, null);
        assertThat(unknown.retry()).isTrue();
        assertThat(unknown.nextProfile()).isNull();
        // a larger profile used up the fresh-session allowance: the largest exhausted too, so split
        assertThat(contextExhausted(policy, 1, "huge", 2_000_000).retry()).isFalse();

        RetryPolicy none = policy(0.5, 0);
        Decision split = contextExhausted(none, 0, "huge", 2_000_000);
        assertThat(split.retry()).isFalse();
        assertThat(split.reason()).contains("no agent profile with a larger context than huge");
    }

    @Test
    void ambiguousSpecBudgetAndCancelAreNeverRetried() {
        RetryPolicy policy = policy(0.5);
        Decision ambiguous = decide(policy, FailureClass.AMBIGUOUS_SPEC, 1, 0, null);
        assertThat(ambiguous.retry()).isFalse();
        assertThat(ambiguous.reason()).contains("a person decides");
        assertThat(decide(policy, FailureClass.BUDGET_EXCEEDED, 1, 0, null).retry())
                .isFalse();
        assertThat(decide(policy, FailureClass.CANCELLED, 1, 0, null).retry()).isFalse();
    }

    @Test
    void reviewClassesRetryWithTheCommentAndDependenciesAfterBackoff() {
        RetryPolicy policy = policy(0.5);
        assertThat(decide(policy, FailureClass.MERGE_CONFLICT, 1, 0, null).strategy())
                .isEqualTo(RetryStrategy.RETRY_WITH_REVIEW_COMMENT);
        assertThat(decide(policy, FailureClass.CHANGES_REQUESTED, 1, 0, null).strategy())
                .isEqualTo(RetryStrategy.RETRY_WITH_REVIEW_COMMENT);
        assertThat(decide(policy, FailureClass.MERGE_CONFLICT, 3, 2, null).retry())
                .isFalse();
        Decision dependency = decide(policy, FailureClass.DEPENDENCY_RESOLUTION, 1, 0, null);
        assertThat(dependency.retry()).isTrue();
        assertThat(dependency.strategy()).isEqualTo(RetryStrategy.BACKOFF);
    }

    @Test
    void overallAttemptsAndScheduleToCloseBoundEveryClass() {
        RetryPolicy policy = policy(0.5);
        Decision exhausted = decide(policy, FailureClass.TIMEOUT, 10, 0, null);
        assertThat(exhausted.retry()).isFalse();
        assertThat(exhausted.reason()).isEqualTo("all 10 attempts used");
        Decision late =
                policy.decide(new Failure(FailureClass.NETWORK, 1, 0, null, NOW.minus(Duration.ofHours(25)), NOW));
        assertThat(late.retry()).isFalse();
        assertThat(late.reason()).contains("schedule-to-close");
    }

    @Test
    void attemptsTheInfrastructureLostAreBoundOnlyByTheirClass() {
        RetryPolicy policy = policy(0.5);
        // the caller counts only the task's own attempts; an orphaned or network attempt is bounded by its class
        for (FailureClass failureClass : List.of(FailureClass.ORPHANED, FailureClass.NETWORK)) {
            assertThat(policy.rule(failureClass).maxRetries()).isEqualTo(10);
            assertThat(decide(policy, failureClass, 12, 4, null).retry())
                    .as(failureClass.name())
                    .isTrue();
            assertThat(decide(policy, failureClass, 12, 10, null).reason())
                    .isEqualTo(failureClass.name() + " retried 10 of 10 times");
        }
        assertThat(RetryPolicy.INFRASTRUCTURE).containsExactlyInAnyOrder(FailureClass.ORPHANED, FailureClass.NETWORK);
    }

    @Test
    void backoffStartsAtOneSecondDoublesIsCappedAndJittered() {
        assertThat(policy(0.5).backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy(0.5).backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy(0.5).backoff(3)).isEqualTo(Duration.ofSeconds(4));
        assertThat(policy(0.5).backoff(20)).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy(0.0).backoff(1)).isEqualTo(Duration.ofMillis(800));
        assertThat(policy(1.0).backoff(1)).isEqualTo(Duration.ofMillis(1200));
        assertThat(decide(policy(0.5), FailureClass.NETWORK, 2, 1, null).delay())
                .isEqualTo(Duration.ofSeconds(2));
    }
}
