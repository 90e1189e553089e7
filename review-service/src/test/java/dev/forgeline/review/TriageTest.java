package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.review.service.Triage;
import dev.forgeline.review.service.TriageDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriageTest {
    private final Triage triage = new Triage(() -> 100);

    private static DiffStats diff(int added, int removed) {
        return new DiffStats(1, added, removed, List.of("f"));
    }

    @Test
    void smallDiffWithPassingTestsMergesAutomatically() {
        TriageDecision decision = triage.decide(diff(60, 39), null, true, true);
        assertThat(decision.level()).isZero();
        assertThat(decision.autoMerge()).isTrue();
        assertThat(decision.reasons()).contains("99 changed lines (limit 100)");
    }

    @Test
    void theLimitCountsAddedAndRemovedLinesAndIsExclusive() {
        TriageDecision decision = triage.decide(diff(60, 40), null, true, true);
        assertThat(decision.level()).isEqualTo(1);
        assertThat(decision.reasons()).containsExactly("100 changed lines (limit 100)");
    }

    @Test
    void failedOrMissingTestsNeedAPerson() {
        assertThat(triage.decide(diff(3, 0), null, true, false))
                .isEqualTo(new TriageDecision(1, List.of("tests did not pass")));
        assertThat(triage.decide(diff(3, 0), null, false, false))
                .isEqualTo(new TriageDecision(1, List.of("tests did not run")));
    }

    @Test
    void everyReasonIsRecorded() {
        assertThat(triage.decide(diff(142, 0), null, true, false).reasons())
                .containsExactly("tests did not pass", "142 changed lines (limit 100)");
    }

    @Test
    void aDiffGitCouldNotComputeNeedsAPerson() {
        TriageDecision decision = triage.decide(null, "bad revision 'abc'", true, true);
        assertThat(decision.level()).isEqualTo(1);
        assertThat(decision.reasons()).containsExactly("diff could not be computed: bad revision 'abc'");
    }

    @Test
    void theLimitComesFromConfiguration() {
        assertThat(new Triage(() -> 10).decide(diff(10, 0), null, true, true).level()).isEqualTo(1);
        assertThat(new Triage(() -> 11).decide(diff(10, 0), null, true, true).level()).isZero();
    }
}
