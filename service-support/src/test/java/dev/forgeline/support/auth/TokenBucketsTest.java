package dev.forgeline.support.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class TokenBucketsTest {
    private final TokenStoreTest.MutableClock clock =
            new TokenStoreTest.MutableClock(Instant.parse("2026-12-04T00:00:00Z"));

    private void advance(Duration by) {
        clock.now = clock.now.plus(by);
    }

    @Test
    void aBurstIsServedThenRefusedUntilTheBucketRefills() {
        TokenBuckets buckets = new TokenBuckets(2, 5, 100, clock);
        for (int i = 0; i < 5; i++) {
            assertThat(buckets.take("ana").allowed())
                    .as("request %d of the burst", i + 1)
                    .isTrue();
        }
        TokenBuckets.Take refused = buckets.take("ana");
        assertThat(refused.allowed()).isFalse();
        // one request back after 1/2 s: Retry-After rounds up to whole seconds
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(500));
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        // another caller has its own bucket
        assertThat(buckets.take("bob").allowed()).isTrue();

        advance(Duration.ofMillis(499));
        assertThat(buckets.take("ana").allowed()).isFalse();
        advance(Duration.ofMillis(1));
        assertThat(buckets.take("ana").allowed()).isTrue();
        assertThat(buckets.take("ana").allowed()).isFalse();

        // a long pause refills up to the burst, not beyond
        advance(Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            assertThat(buckets.take("ana").allowed()).isTrue();
        }
        assertThat(buckets.take("ana").allowed()).isFalse();
    }

    @Test
    void aSlowRateAsksForALongerWait() {
        TokenBuckets buckets = new TokenBuckets(0.25, 1, 100, clock);
        assertThat(buckets.take("ana").allowed()).isTrue();
        TokenBuckets.Take refused = buckets.take("ana");
        assertThat(refused.retryAfterSeconds()).isEqualTo(4);
        advance(Duration.ofMillis(2500));
        assertThat(buckets.take("ana").retryAfterSeconds()).isEqualTo(2);
    }

    @Test
    void idleBucketsAreDroppedAndTheNumberOfCallersStaysBounded() {
        TokenBuckets buckets = new TokenBuckets(10, 10, 50, clock);
        for (int i = 0; i < 1000; i++) {
            buckets.take("caller-" + i);
            advance(Duration.ofMillis(1));
        }
        assertThat(buckets.callers()).isLessThanOrEqualTo(51);

        // a caller that used up its bucket keeps it (dropping it would give a fresh burst) while idle ones go
        TokenBuckets small = new TokenBuckets(1, 3, 2, clock);
        for (int i = 0; i < 3; i++) {
            small.take("busy");
        }
        advance(Duration.ofSeconds(10));
        small.take("idle-1");
        small.take("idle-2");
        small.take("idle-3");
        assertThat(small.callers()).isLessThanOrEqualTo(3);
        for (int i = 0; i < 3; i++) {
            assertThat(small.take("busy").allowed()).isTrue();
        }
    }

    @Test
    void aLimitThatCannotWorkIsRefused() {
        assertThatThrownBy(() -> new TokenBuckets(0, 10, 10, clock)).hasMessageContaining("requests-per-second");
        assertThatThrownBy(() -> new TokenBuckets(1, 0, 10, clock)).hasMessageContaining("burst");
    }
}
