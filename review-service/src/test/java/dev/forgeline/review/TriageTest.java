package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.forgeline.review.analysis.DiffAnalysis;
import dev.forgeline.review.analysis.FileChange;
import dev.forgeline.review.analysis.LintOutcome;
import dev.forgeline.review.analysis.ReviewRules;
import dev.forgeline.review.service.Triage;
import dev.forgeline.review.service.TriageDecision;
import org.junit.jupiter.api.Test;

class TriageTest {
    private static final ReviewRules RULES = ReviewRules.defaults(100);

    private static DiffAnalysis diff(int added, int removed) {
        return new DiffAnalysis(
                List.of(new FileChange(
                        "f.txt", "f.txt", FileChange.Kind.MODIFIED, added, removed, false, List.of(), List.of())),
                added,
                removed,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                "");
    }

    private static TriageDecision decide(DiffAnalysis diff, boolean ran, boolean passed) {
        return Triage.decide(diff, null, RULES, ran, passed, LintOutcome.notConfigured(), List.of());
    }

    @Test
    void smallDiffWithPassingTestsMergesAutomatically() {
        TriageDecision decision = decide(diff(60, 39), true, true);
        assertThat(decision.level()).isZero();
        assertThat(decision.autoMerge()).isTrue();
        assertThat(decision.reasons()).contains("99 changed lines (limit 100)");
    }

    @Test
    void theLimitCountsAddedAndRemovedLinesAndIsExclusive() {
        TriageDecision decision = decide(diff(60, 40), true, true);
        assertThat(decision.level()).isEqualTo(1);
        assertThat(decision.reasons()).containsExactly("100 changed lines (limit 100)");
    }

    @Test
    void failedOrMissingTestsNeedAPerson() {
        assertThat(decide(diff(3, 0), true, false)).isEqualTo(new TriageDecision(1, List.of("tests did not pass")));
        assertThat(decide(diff(3, 0), false, false)).isEqualTo(new TriageDecision(1, List.of("tests did not run")));
    }

    @Test
    void everyReasonIsRecorded() {
        assertThat(decide(diff(142, 0), true, false).reasons())
                .containsExactly("tests did not pass", "142 changed lines (limit 100)");
    }

    @Test
    void aFailedLintNeedsAQuickScan() {
        TriageDecision decision = Triage.decide(
                diff(3, 0), null, RULES, true, true, new LintOutcome("npm run lint", false, 2, "1 error"), List.of());
        assertThat(decision).isEqualTo(new TriageDecision(1, List.of("lint failed: npm run lint exited with 2")));
        assertThat(Triage.decide(
                                diff(3, 0),
                                null,
                                RULES,
                                true,
                                true,
                                new LintOutcome("npm run lint", true, 0, ""),
                                List.of())
                        .reasons())
                .contains("lint clean");
    }

    @Test
    void theWorkersVerificationFlagsRaiseTheLevel() {
        TriageDecision decision = Triage.decide(
                diff(3, 0),
                null,
                RULES,
                true,
                true,
                LintOutcome.notConfigured(),
                List.of("TEST_DELETED: test/a_test.sh"));
        assertThat(decision)
                .isEqualTo(new TriageDecision(2, List.of("weakens verification: TEST_DELETED: test/a_test.sh")));
    }

    @Test
    void aDiffGitCouldNotComputeNeedsAPerson() {
        TriageDecision decision =
                Triage.decide(null, "bad revision 'abc'", RULES, true, true, LintOutcome.notConfigured(), List.of());
        assertThat(decision.level()).isEqualTo(1);
        assertThat(decision.reasons()).containsExactly("diff could not be computed: bad revision 'abc'");
    }

    @Test
    void theLimitComesFromTheRules() {
        assertThat(Triage.decide(
                                diff(10, 0),
                                null,
                                ReviewRules.defaults(10),
                                true,
                                true,
                                LintOutcome.notConfigured(),
                                List.of())
                        .level())
                .isEqualTo(1);
        assertThat(Triage.decide(
                                diff(10, 0),
                                null,
                                ReviewRules.parse("auto-merge-max-lines=11", 100),
                                true,
                                true,
                                LintOutcome.notConfigured(),
                                List.of())
                        .level())
                .isZero();
    }

    @Test
    void unusableRulesAreNamedAndTheirDefaultsApply() {
        ReviewRules rules = ReviewRules.parse("auto-merge-max-lines=lots\nlevel.api=7\nverify=sh verify.sh", 100);
        assertThat(rules.autoMergeMaxLines()).isEqualTo(100);
        assertThat(rules.levelApi()).isEqualTo(2);
        assertThat(rules.verifyCommand()).isEqualTo("sh verify.sh");
        assertThat(rules.problems()).hasSize(2).anySatisfy(p -> assertThat(p).contains("auto-merge-max-lines=lots"));
    }
}
