package dev.forgeline.review.service;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.forgeline.review.analysis.DiffAnalysis;
import dev.forgeline.review.analysis.LintOutcome;
import dev.forgeline.review.analysis.ReviewRules;

/**
 * Sorts a succeeded attempt into a review level from its analyzed diff, the worker's test run, the lint run and
 * the repository's rules:
 * <ul>
 * <li>0 auto-merge: tests passed, lint clean, fewer changed lines than the limit, no risky surface;</li>
 * <li>1 quick scan: tests or lint not clean, or a large diff, but only known file kinds and no risky surface;</li>
 * <li>2 full review (default): new modules, API surface, security surface, weakened verification, unknown files;</li>
 * <li>3 pair review (default): architecture (build files, deployment) or data model changes.</li>
 * </ul>
 * The level of each surface comes from the rules; every rule that raised the level is a reason.
 */
public final class Triage {
    private Triage() {}

    /**
     * @param analysis    null when the diff could not be computed ({@code diffProblem} says why)
     * @param workerFlags the worker's verification flags ({@code FLAG: path}); merged with the analysis' own
     */
    public static TriageDecision decide(
            DiffAnalysis analysis,
            String diffProblem,
            ReviewRules rules,
            boolean testsRan,
            boolean testsPassed,
            LintOutcome lint,
            List<String> workerFlags) {
        int limit = rules.autoMergeMaxLines();
        int level = 0;
        List<String> reasons = new ArrayList<>();
        if (!testsRan) {
            reasons.add("tests did not run");
        } else if (!testsPassed) {
            reasons.add("tests did not pass");
        }
        if (analysis == null) {
            reasons.add("diff could not be computed: " + diffProblem);
        } else if (analysis.linesChanged() >= limit) {
            reasons.add(analysis.linesChanged() + " changed lines (limit " + limit + ")");
        }
        if (lint.configured() && !lint.passed()) {
            reasons.add("lint failed: " + lint.command() + " exited with " + lint.exitCode());
        }
        reasons.addAll(rules.problems());
        if (!reasons.isEmpty()) {
            level = 1;
        }
        Set<String> weakened = new LinkedHashSet<>(workerFlags == null ? List.of() : workerFlags);
        if (analysis != null) {
            weakened.addAll(analysis.weakenedVerification());
            level = surface(level, reasons, rules.levelArchitecture(), "architecture", analysis.architecture());
            level = surface(level, reasons, rules.levelDataModel(), "data model", analysis.dataModel());
            level = surface(level, reasons, rules.levelSecurity(), "security surface", analysis.securitySurface());
            level = surface(level, reasons, rules.levelApi(), "API surface", analysis.apiSurface());
            level = surface(level, reasons, rules.levelNewModule(), "new module", analysis.newModules());
            level = surface(level, reasons, rules.levelUnknownFile(), "not a known file kind", analysis.unknownFiles());
        }
        level = surface(
                level, reasons, rules.levelWeakenedVerification(), "weakens verification", List.copyOf(weakened));
        if (level > 0) {
            return new TriageDecision(level, reasons);
        }
        List<String> clean = new ArrayList<>(
                List.of("tests passed", analysis.linesChanged() + " changed lines (limit " + limit + ")"));
        clean.add(lint.configured() ? "lint clean" : "no lint command configured");
        clean.add("no risky surface");
        return new TriageDecision(0, clean);
    }

    private static int surface(int level, List<String> reasons, int surfaceLevel, String name, List<String> findings) {
        if (findings.isEmpty()) {
            return level;
        }
        for (String finding : findings) {
            reasons.add(name + ": " + finding);
        }
        return Math.max(level, surfaceLevel);
    }
}
