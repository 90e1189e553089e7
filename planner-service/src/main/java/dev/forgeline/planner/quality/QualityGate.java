package dev.forgeline.planner.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.quality.QualityReport.Reason;
import dev.forgeline.planner.spec.ParsedTask;

/**
 * Scores how well a task is specified. Agents succeed far more often on highly specified tasks than on vague
 * ones, and less often again when the spec dictates the implementation, so the gate looks for two things:
 *
 * <ul>
 * <li>completeness (the score): a testable check (acceptance criteria, a test command), stated inputs and
 * outputs, named files, enough description; minus points for vague wording and for tasks too broad for one
 * attempt;</li>
 * <li>over-specification: code blocks, step-by-step instructions, dictated data structures or algorithms.</li>
 * </ul>
 *
 * Class: OVER_SPECIFIED when the over-specification findings weigh 2 or more; else HIGHLY_SPECIFIED from
 * score 75, MODERATE from 40, VAGUE below. Pure and deterministic: the same text always gets the same verdict.
 */
public final class QualityGate {
    public static final int HIGHLY_SPECIFIED_FROM = 75;
    public static final int MODERATE_FROM = 40;

    private static final Pattern CODE_FENCE = Pattern.compile("(?m)^\\s*(```|~~~)");
    private static final Pattern STEP = Pattern.compile("(?im)(?:^\\s*\\d+[.)]|\\bstep\\s*\\d+[.:)]?)\\s+\\S");
    private static final Pattern STEP_WORDS = Pattern.compile("(?i)\\b(first,? |then |next,? |after that|finally,? )");
    private static final Pattern DATA_STRUCTURE = Pattern.compile(
            "(?i)\\b(use an? (hash ?map|hashmap|map|linked ?list|array ?list|arraylist|array|list|set|tree ?map|"
                    + "treemap|queue|stack|dictionary|dict|struct|trie|heap|priority queue|btree|b-tree)"
                    + "|(store|keep|hold) (it|them|the \\w+) in an? (hash ?map|map|array|list|set|dict|dictionary)"
                    + "|data structure|with fields?\\b|field named|private final|class named|named variable)");
    private static final Pattern ALGORITHM = Pattern.compile(
            "(?i)\\b(algorithm|binary search|quick ?sort|merge ?sort|bubble sort|dynamic programming|recursion|"
                    + "recursive(ly)?|memoi[sz]|for[- ]loop|while[- ]loop|iterate over each|loop over|"
                    + "regular expression [`'\"]|regex [`'\"]|bit ?shift|o\\(n( log n)?\\))");
    private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*[;{}()=][^`]*`");
    private static final Pattern VAGUE_WORDS = Pattern.compile(
            "(?i)\\b(improve|better|nicer|cleaner|clean up|tidy|somehow|some ?thing|stuff|etc\\.?|tbd|todo|"
                    + "as needed|as appropriate|if possible|and so on|whatever|make it work|fix it|fix things|"
                    + "optimi[sz]e|enhance|modernize|polish|various|general|misc)\\b");
    private static final Pattern BROAD_WORDS = Pattern.compile(
            "(?i)\\b(entire|whole|all (the )?(code|modules|services|files|endpoints|tests|components)|everything|"
                    + "every (module|service|file|component)|rewrite|re-architect|overhaul|from scratch|"
                    + "end[- ]to[- ]end system|complete system|full application)\\b");
    private static final Pattern CHECK_WORDS = Pattern.compile(
            "(?i)\\b(returns?|prints?|outputs?|responds?|answers?|rejects?|fails? with|exits? with|status|"
                    + "must|should|expect(s|ed)?|equals?|contains?|assert(s|ion)?|given .* when|then)\\b");

    private QualityGate() {}

    public static QualityReport score(ParsedTask task) {
        String description = task.description() == null ? "" : task.description();
        String text = (task.title() + "\n" + description).strip();
        String all = text + "\n" + String.join("\n", task.acceptance()) + "\n" + String.join("\n", task.inputs()) + "\n"
                + String.join("\n", task.outputs()) + "\n" + String.join("\n", task.constraints());
        List<Reason> reasons = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        int score = 0;

        boolean hasAcceptance = !task.acceptance().isEmpty();
        boolean hasTestCommand =
                task.testCommand() != null && !task.testCommand().isBlank();
        int checkable = (int) task.acceptance().stream()
                .filter(a -> CHECK_WORDS.matcher(a).find() || a.matches(".*\\d.*") || a.contains("`"))
                .count();
        if (hasAcceptance) {
            score += 20 + Math.min(15, 5 * checkable);
        } else {
            reasons.add(new Reason("MISSING_ACCEPTANCE", "no acceptance criteria: say what done looks like"));
            missing.add("acceptance criteria");
        }
        if (hasTestCommand) {
            score += 20;
        } else {
            reasons.add(new Reason("MISSING_TESTABLE_CHECK", "no test command: nothing checks the work"));
            missing.add("a test command (a testable check)");
        }
        if (!task.inputs().isEmpty()) {
            score += 10;
        } else {
            reasons.add(new Reason("MISSING_INPUTS", "no Inputs: what the task starts from is not stated"));
        }
        if (!task.outputs().isEmpty() || !task.files().isEmpty()) {
            score += 10;
        } else {
            reasons.add(new Reason("MISSING_OUTPUTS", "no Outputs or Files: what the task produces is not named"));
            missing.add("outputs or files");
        }
        int words = words(text);
        if (words >= 12) {
            score += 15;
        } else if (words >= 6) {
            score += 8;
            reasons.add(new Reason("SHORT_DESCRIPTION", "the description has only " + words + " words"));
        } else {
            reasons.add(new Reason("SHORT_DESCRIPTION", "the description has only " + words + " words"));
            missing.add("a description of what to build and why");
        }
        if (!task.constraints().isEmpty()) {
            score += 5;
        }
        int vague = count(VAGUE_WORDS, all);
        if (vague > 0) {
            score -= Math.min(30, 12 * vague);
            reasons.add(new Reason(
                    "VAGUE_WORDING", "vague wording (" + firstMatch(VAGUE_WORDS, all) + "): say what exactly changes"));
        }
        int broad = count(BROAD_WORDS, all);
        if (broad > 0 || task.files().size() > 8 || task.estimateSeconds() > 4 * 3600) {
            score -= 20;
            reasons.add(new Reason(
                    "TOO_BROAD",
                    broad > 0
                            ? "too broad for one attempt (" + firstMatch(BROAD_WORDS, all) + "): split it"
                            : "too broad for one attempt (" + task.files().size() + " files, estimate "
                                    + task.estimateSeconds() / 60 + "m): split it"));
            missing.add("a narrower scope");
        }
        score = Math.max(0, Math.min(100, score));

        // over-specification: the spec does the agent's design work
        double over = 0;
        int fences = count(CODE_FENCE, description) / 2;
        if (fences > 0) {
            over += 2;
            reasons.add(new Reason("CODE_BLOCK", "contains a code block: state the behaviour, not the code"));
        }
        int steps = count(STEP, description);
        int stepWords = count(STEP_WORDS, description);
        if (steps >= 4 || stepWords >= 3) {
            over += 1;
            reasons.add(new Reason("STEP_BY_STEP", "step-by-step implementation instructions"));
        }
        if (DATA_STRUCTURE.matcher(all).find()) {
            over += 1;
            reasons.add(new Reason(
                    "DICTATES_DATA_STRUCTURES", "dictates data structures (" + firstMatch(DATA_STRUCTURE, all) + ")"));
        }
        if (ALGORITHM.matcher(all).find()) {
            over += 1;
            reasons.add(
                    new Reason("DICTATES_ALGORITHM", "dictates the algorithm (" + firstMatch(ALGORITHM, all) + ")"));
        }
        if (count(INLINE_CODE, description) >= 3) {
            over += 1;
            reasons.add(new Reason("INLINE_CODE", "several inline code statements in the description"));
        }

        SpecQuality quality;
        if (over >= 2) {
            quality = SpecQuality.OVER_SPECIFIED;
        } else if (score >= HIGHLY_SPECIFIED_FROM) {
            quality = SpecQuality.HIGHLY_SPECIFIED;
        } else if (score >= MODERATE_FROM) {
            quality = SpecQuality.MODERATE;
        } else {
            quality = SpecQuality.VAGUE;
        }
        return new QualityReport(quality, score, reasons, quality == SpecQuality.VAGUE ? missing : List.of());
    }

    private static int words(String text) {
        String stripped = text.strip();
        return stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
    }

    private static int count(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static String firstMatch(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? m.group().strip().toLowerCase(Locale.ROOT) : "";
    }
}
