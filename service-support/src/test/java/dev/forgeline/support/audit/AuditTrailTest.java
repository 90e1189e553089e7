package dev.forgeline.support.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class AuditTrailTest {
    @Test
    void sinceIsAnInstantOrAnAgeBackFromNow() {
        assertThat(AuditTrail.parseSince("2026-12-04T10:00:00Z")).isEqualTo(Instant.parse("2026-12-04T10:00:00Z"));
        assertThat(AuditTrail.parseSince("2026-12-04T12:00:00+02:00")).isEqualTo(Instant.parse("2026-12-04T10:00:00Z"));
        Instant now = Instant.now();
        assertThat(Duration.between(AuditTrail.parseSince("90m"), now))
                .isBetween(
                        Duration.ofMinutes(90).minusSeconds(5),
                        Duration.ofMinutes(90).plusSeconds(5));
        assertThat(Duration.between(AuditTrail.parseSince("7d"), now))
                .isBetween(
                        Duration.ofDays(7).minusSeconds(5), Duration.ofDays(7).plusSeconds(5));
        assertThat(AuditTrail.parseSince("yesterday")).isNull();
        assertThat(AuditTrail.parseSince("5w")).isNull();
        assertThat(AuditTrail.parseSince("2026-12-04")).isNull();
    }

    @Test
    void actionCodesAreStableAndFoundByCode() {
        assertThat(AuditAction.TASK_CANCEL.code()).isEqualTo("task.cancel");
        assertThat(AuditAction.ofCode("review.request-changes")).contains(AuditAction.REVIEW_REQUEST_CHANGES);
        assertThat(AuditAction.ofCode("node.explode")).isEmpty();
    }
}
