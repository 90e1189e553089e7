package dev.forgeline.metrics.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;

import dev.forgeline.metrics.domain.FactRows.AttemptRow;
import dev.forgeline.metrics.domain.FactRows.DecisionRow;
import dev.forgeline.metrics.domain.FactRows.RetentionRow;
import org.junit.jupiter.api.Test;

class FigureCalculatorTest {
    private static final Instant T0 = Instant.parse("2026-01-06T09:00:00Z");

    @Test
    void decisionLagPercentilesAreNearestRank() {
        List<DecisionRow> decisions = new ArrayList<>();
        // lags 1..20 minutes: p50 = the 10th, p95 = the 19th
        LongStream.rangeClosed(1, 20)
                .forEach(m -> decisions.add(new DecisionRow("s", "t", "SPEC_QUALITY", 0, T0, T0.plusSeconds(m * 60))));
        assertThat(FigureCalculator.decisionLag(decisions).get("SPEC_QUALITY"))
                .isEqualTo(new Figures.Lag(20, 600, 1140));
        assertThat(FigureCalculator.decisionLag(List.of(new DecisionRow("s", "t", "REVIEW", 3, T0, T0.plusSeconds(5)))))
                .containsOnlyKeys("REVIEW", "REVIEW level 3");
    }

    @Test
    void ratiosWithoutADenominatorAreUndefinedNotZero() {
        Figures empty = FigureCalculator.compute(new FigureCalculator.Input(
                "all", List.of(), List.of(), List.of(), List.of(), List.of(), Optional.empty(), List.of(), List.of()));
        assertThat(empty.success().firstAttemptSuccessRate()).isNull();
        assertThat(empty.review().autoMergeShare()).isNull();
        assertThat(empty.velocity().linesMergedPerComputeHour()).isNull();
        assertThat(empty.retention().ratio()).isNull();
        assertThat(empty.cost().totalUsd()).isEqualByComparingTo("0");
        assertThat(ReportRenderer.render("empty", empty)).contains("| retention | - |", "| last scan | never |");
    }

    @Test
    void costIsSummedExactlyBelowTheCentAndUnknownKeysAreNamed() {
        List<AttemptRow> attempts = List.of(
                attempt(1, "0.0000001", "anthropic"), attempt(2, "0.0000002", null), attempt(3, "1.10", "anthropic"));
        Figures.Cost cost = FigureCalculator.cost(new FigureCalculator.Input(
                "all", List.of(), attempts, List.of(), List.of(), List.of(), Optional.empty(), List.of(), List.of()));
        assertThat(cost.totalUsd()).isEqualByComparingTo("1.1000003");
        assertThat(cost.byProvider())
                .containsEntry("anthropic", new BigDecimal("1.1000001"))
                .containsEntry("unknown", new BigDecimal("2E-7"));
    }

    @Test
    void retentionTotalsComeFromEachRepositorysLatestScanAndTheCurveFromEveryScan() {
        Instant first = T0;
        Instant second = T0.plusSeconds(3600);
        LocalDate week = LocalDate.parse("2026-01-05");
        Figures.Retention retention = FigureCalculator.retention(List.of(
                new RetentionRow(first, "/r1", "a", week, 10, 10),
                new RetentionRow(first, "/r2", "b", week, 4, 4),
                new RetentionRow(second, "/r1", "a", week, 10, 7)));
        assertThat(retention.generated()).isEqualTo(14);
        assertThat(retention.surviving()).isEqualTo(11);
        assertThat(retention.ratio()).isEqualByComparingTo("0.7857");
        assertThat(retention.curve())
                .extracting(p -> p.generated() + "/" + p.surviving())
                .containsExactly("14/14", "10/7");
    }

    private static AttemptRow attempt(long token, String cost, String provider) {
        return new AttemptRow(
                "s",
                "t",
                token,
                (int) token,
                "p",
                true,
                true,
                null,
                provider,
                "m",
                new BigDecimal(cost),
                false,
                1000,
                1,
                1,
                1,
                T0,
                T0.plusSeconds(1));
    }
}
