package dev.forgeline.planner.quality;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.quality.QualityReport.Reason;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecLimits;

/**
 * Scores how well a task is specified. Agents succeed far more often on highly specified tasks than on vague
 * ones, and less often again when the spec dictates the implementation, so the gate looks for two things:
 *
 * <ul>
 * <li>completeness (the score): a test command, checkable outcomes (acceptance criteria, and outcomes the task's
 * own text states: "returns ...", "exits 3", "null body → []", a quoted value), the place the work goes (files,
 * outputs, code identifiers, endpoints), inputs, enough description; minus points for vague wording and for a
 * scope too broad for one attempt;</li>
 * <li>over-specification: code blocks, code expressions, step-by-step instructions, dictated data structures,
 * algorithms or internal calls.</li>
 * </ul>
 *
 * Each rule matches a concept in several phrasings ("iterate over each", "go through each"; "rewrite", "write it
 * again") so that rewording a task does not change its class. Class: OVER_SPECIFIED when the over-specification
 * findings weigh 2 or more; else HIGHLY_SPECIFIED from score 75, MODERATE from 40, VAGUE below. Pure,
 * deterministic and linear in the text: every pattern is a set of alternatives with bounded or possessive
 * repetition.
 */
public final class QualityGate {
    public static final int HIGHLY_SPECIFIED_FROM = 75;
    public static final int MODERATE_FROM = 40;

    /** The longest field text the validator accepts by default; the gate reads no further. */
    static final int MAX_FIELD = SpecLimits.DEFAULT.maxTextLength();
    /** List fields (acceptance, inputs, ...) beyond this many items add nothing to a verdict. */
    static final int MAX_ITEMS = 64;

    static final int TEST_COMMAND_POINTS = 15;
    static final int CHECK_POINTS_CAP = 35;
    static final int ACCEPTANCE_FIELD_POINTS = 10;
    static final int CRITERION_POINTS = 15;
    static final int TEXT_CHECK_POINTS = 10;
    static final int PLACE_POINTS = 20;
    static final int DOCUMENT_PLACE_POINTS = 10;

    private static final Pattern CODE_FENCE = Pattern.compile("(?m)^\\s*(```|~~~)");
    private static final Pattern STEP = Pattern.compile("(?m)(?:^\\s*\\d+[.)]|\\bstep\\s*\\d+[.:)]?)\\s+\\S");
    /** Sequencing of implementation steps, in its usual phrasings. */
    private static final Pattern STEP_WORDS =
            Pattern.compile("\\b(first,? |firstly|then |next,? |after that|afterwards|finally,? |lastly|last of all|"
                    + "start by|begin by|subsequently)");

    private static final Pattern DATA_STRUCTURE = Pattern.compile(
            "\\b(hash ?maps?|hash ?sets?|linked ?lists?|tree ?maps?|array ?lists?|priority queues?|dictionar(y|ies)|"
                    + "trie|min-heap|max-heap|b-?trees?|"
                    + "(use|using|keep|store|hold|put) (it |them |the \\w{1,30} )?(in |into )?an? (map|list|set|array|queue|stack|dict|heap)\\b|"
                    + "(class|field|variable|list|map|set|array|struct) (named|called) \\w|data structure|private final)");
    private static final Pattern ALGORITHM = Pattern.compile(
            "\\b(algorithm|binary search|quick ?sort|merge ?sort|bubble sort|heap ?sort|dijkstra|token bucket|"
                    + "dynamic programming|recursion|recursive(ly)?|memoi[sz]\\w{0,10}|"
                    + "(for|while|for-each|foreach)[- ]loops?|"
                    + "(iterate|loop|go|walk|step) (over|through) (each|every)|"
                    + "(regular expression|regex|pattern) [`'\"]|bit ?shifts?|o\\(n( log n)?\\))");
    /** Internal calls the task says the code must make: "call `x`", "via `Y.z`", "reuse `_toAppError`". */
    private static final Pattern DICTATED_CALL = Pattern.compile(
            "\\b(calls?|calling|invokes?|invoking|via|reuses?|reusing|watch(es)?|delegates? to) (the |a )?"
                    + "(`|[A-Za-z_][A-Za-z0-9_]*+(\\.[A-Za-z_][A-Za-z0-9_]*+)*+\\()");

    private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*[;{}()=][^`]*`");
    private static final Pattern CODE_SPAN = Pattern.compile("`([^`\\n]{1,400})`");
    private static final Pattern VAGUE_WORDS = Pattern.compile(
            "\\b(improv(e|es|ed|ing|ement)|better|nicer|cleaner|clean(ing)? up|tidy|tidy up|sort out|somehow|"
                    + "somewhere|some ?thing|stuff|etc\\.?|tbd|todo|as needed|if needed|appropriate(ly)?|if possible|"
                    + "and so on|here and there|whatever|make it work|fix it|fix things|optimi[sz](e|es|ed|ing|ation)|"
                    + "enhanc(e|es|ed|ing|ement)|moderni[sz]e|polish|various|misc)\\b");
    /**
     * The scope of the work, not the wording of a check: "rewrite the backend", "the entire application", "all
     * components". "All tests pass" and "everything is green" say how the work is checked and are not broad.
     */
    private static final Pattern BROAD_WORDS = Pattern.compile(
            "\\b(re-?write|re-?architect|overhaul|from scratch|write (it|them|all of it|everything|the \\w{1,30}) again|"
                    + "throw (it|them|everything|the \\w{1,30}) away|"
                    + "(entire|whole) (app|application|system|codebase|code base|backend|back end|frontend|front end|"
                    + "project|repository|repo|code|program|product|site|platform|service|game|stack)|"
                    + "all (the )?(code|modules|services|components|subsystems|features|pages|screens)\\b|"
                    + "(cover|covers|covering|test|tests|testing|change|changes|refactor|redo) everything|"
                    + "comprehensive|end[- ]to[- ]end (system|application)|complete system|full application|"
                    + "(across|throughout) the (whole |entire )?(project|codebase|code base|application|app|system))\\b");
    /** An outcome stated in the text that one can check. */
    private static final Pattern TEXT_CHECK = Pattern.compile(
            "(\\b(returns?|returning|answers?|responds?|replies|yields?|prints?|outputs?|emits?|shows?|displays?|"
                    + "becomes?|gives?|hands? back|produces?|exits?|fails? with|rejects?|refuses?|turns? down|denies|"
                    + "raises|throws|stays?|remains?|asserts?|asserting|verif(y|ies)|ensures?|check(s)? (that|whether)|"
                    + "validates?|expects?|at least|at most|no more than|exactly|unchanged|when|whenever|unless|if|"
                    + "allows?|excludes?|excluding|omits?|skips?)\\b"
                    + "|\\b(sets?|marks?) (the )?\\w{1,30} to\\b"
                    + "|\\b(is|are) (refused|rejected|accepted|shown|hidden|disabled|enabled|excluded|included|skipped|"
                    + "stored|kept|preserved|returned|interactive|visible|cached)\\b"
                    + "|\\b(0|zero|no) (issues|errors|warnings|failures|findings)\\b"
                    + "|→|->|=>|\"[^\"\\n]{1,80}\")");

    /**
     * A place in code: a code span, a CamelCase or camelCase name, a call, an endpoint path, a dotted tool name, a
     * folder path. A folder path is tried only where a run of path characters starts: tried at every word boundary
     * inside a run ("1.1.1...") the possessive scan would re-read the rest of it, quadratic on hostile text.
     */
    private static final Pattern CODE_PLACE = Pattern.compile("`[^`\\n]{1,400}`"
            + "|\\b[A-Z][a-z0-9]++[A-Z][A-Za-z0-9]*+|\\b[a-z][a-z0-9]*+[A-Z][A-Za-z0-9]*+"
            + "|\\b[A-Za-z_][A-Za-z0-9_]*+\\(\\)"
            + "|(?:^|\\s)/[A-Za-z][A-Za-z0-9_{}.-]*+"
            + "|\\b[a-z]{2,}+\\.[a-z]{2,}+(?:\\.[a-z]{2,}+)?+\\b"
            + "|(?<![a-z0-9_./-])[a-z0-9_.-]++/(?:[a-z0-9_.-]++/)*+(?![a-z0-9_.-])");
    /** Work that is a manual check by a person: nothing an agent produces or its test command can see. */
    private static final Pattern MANUAL_CHECK = Pattern.compile(
            "\\bmanual(ly)? (test|testing|tests|validation|validate|check|checks|checking|verification|verify|qa)\\b");

    private static final Set<String> DOCUMENT_EXTENSIONS = Set.of("md", "txt", "rst", "adoc");

    private QualityGate() {}

    public static QualityReport score(ParsedTask task) {
        String description = bounded(task.description() == null ? "" : task.description());
        String text = (bounded(task.title()) + "\n" + description).strip();
        List<String> acceptance = bounded(task.acceptance());
        String all = text + "\n" + String.join("\n", acceptance) + "\n" + String.join("\n", bounded(task.inputs()))
                + "\n" + String.join("\n", bounded(task.outputs())) + "\n"
                + String.join("\n", bounded(task.constraints()));
        // the word patterns are matched on lower-cased text: case-insensitive matching costs several times more
        String lowerAll = all.toLowerCase(Locale.ROOT);
        String lowerText = lowerAll.length() == all.length()
                ? lowerAll.substring(0, text.length())
                : text.toLowerCase(Locale.ROOT);
        List<Reason> reasons = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        int score = 0;

        boolean hasTestCommand =
                task.testCommand() != null && !task.testCommand().isBlank();
        if (hasTestCommand) {
            score += TEST_COMMAND_POINTS;
        } else {
            reasons.add(new Reason("MISSING_TESTABLE_CHECK", "no test command: nothing checks the work"));
            missing.add("a test command (a testable check)");
        }

        // checkable outcomes: the acceptance criteria, and those the task's own text states
        // an acceptance field says what done looks like even when its one criterion is terse
        int criterionPoints = acceptance.isEmpty() ? 0 : ACCEPTANCE_FIELD_POINTS + CRITERION_POINTS * acceptance.size();
        int textChecks = textChecks(lowerText, acceptance);
        int checkPoints = Math.min(CHECK_POINTS_CAP, criterionPoints + TEXT_CHECK_POINTS * textChecks);
        score += checkPoints;
        if (checkPoints == 0) {
            reasons.add(new Reason(
                    "MISSING_ACCEPTANCE", "no acceptance criteria and no checkable outcome: say what done looks like"));
            missing.add("acceptance criteria");
        }

        // the place the work goes
        int place = place(task, text);
        score += place;
        if (place == 0) {
            reasons.add(new Reason(
                    "MISSING_OUTPUTS", "no Outputs, files or code names: what the task produces is not named"));
            missing.add("outputs or files");
        }
        if (!task.inputs().isEmpty()) {
            score += 5;
        } else {
            reasons.add(new Reason("MISSING_INPUTS", "no Inputs: what the task starts from is not stated"));
        }
        if (!task.constraints().isEmpty()) {
            score += 5;
        }
        int words = words(text);
        if (words >= 12) {
            score += 10;
        } else if (words >= 5) {
            score += 5;
            reasons.add(new Reason("SHORT_DESCRIPTION", "the description has only " + words + " words"));
        } else {
            reasons.add(new Reason("SHORT_DESCRIPTION", "the description has only " + words + " words"));
            missing.add("a description of what to build and why");
        }
        int vague = count(VAGUE_WORDS, lowerAll);
        if (vague > 0) {
            // vague wording weighs less when the task also states what done looks like
            score -= checkPoints == 0 ? Math.min(30, 12 * vague) : Math.min(12, 6 * vague);
            reasons.add(new Reason(
                    "VAGUE_WORDING",
                    "vague wording (" + firstMatch(VAGUE_WORDS, lowerAll) + "): say what exactly changes"));
        }
        int broad = count(BROAD_WORDS, lowerAll);
        if (broad > 0 || task.files().size() > 8 || task.estimateSeconds() > 4 * 3600) {
            score -= 20;
            reasons.add(new Reason(
                    "TOO_BROAD",
                    broad > 0
                            ? "too broad for one attempt (" + firstMatch(BROAD_WORDS, lowerAll) + "): split it"
                            : "too broad for one attempt (" + task.files().size() + " files, estimate "
                                    + task.estimateSeconds() / 60 + "m): split it"));
            missing.add("a narrower scope");
        }
        if (MANUAL_CHECK.matcher(lowerText).find()) {
            score -= 20;
            reasons.add(new Reason("MANUAL_CHECK", "a manual check by a person: nothing an agent can produce or test"));
            missing.add("work an agent can do and a test can check");
        }
        score = Math.max(0, Math.min(100, score));

        // over-specification: the spec does the agent's design work
        double over = 0;
        int fences = count(CODE_FENCE, description) / 2;
        if (fences > 0) {
            over += 2;
            reasons.add(new Reason("CODE_BLOCK", "contains a code block: state the behaviour, not the code"));
        }
        int steps = count(STEP, lowerText);
        int stepWords = count(STEP_WORDS, lowerText);
        if (steps >= 4 || stepWords >= 3) {
            over += 1;
            reasons.add(new Reason("STEP_BY_STEP", "step-by-step implementation instructions"));
        }
        if (DATA_STRUCTURE.matcher(lowerAll).find()) {
            over += 1;
            reasons.add(new Reason(
                    "DICTATES_DATA_STRUCTURES",
                    "dictates data structures (" + firstMatch(DATA_STRUCTURE, lowerAll) + ")"));
        }
        if (ALGORITHM.matcher(lowerAll).find()) {
            over += 1;
            reasons.add(new Reason(
                    "DICTATES_ALGORITHM", "dictates the algorithm (" + firstMatch(ALGORITHM, lowerAll) + ")"));
        }
        int expressions = codeExpressions(text);
        if (expressions > 0) {
            over += Math.min(2, expressions);
            reasons.add(new Reason("CODE_EXPRESSION", "dictates code expressions: state the behaviour, not the code"));
        }
        int calls = count(DICTATED_CALL, lowerText);
        if (calls > 0) {
            over += Math.min(1.5, 0.5 * calls);
            reasons.add(new Reason(
                    "DICTATES_CALLS", "dictates internal calls (" + firstMatch(DICTATED_CALL, lowerText) + ")"));
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

    /**
     * The clauses of the task's lower-cased text (split at line ends, semicolons and commas) that state a checkable outcome.
     * Lines repeating an acceptance criterion (Kiro keeps its Property/Validates bullets in the description too)
     * are not counted twice.
     */
    private static int textChecks(String text, List<String> acceptance) {
        Set<String> criteria = new HashSet<>();
        for (String criterion : acceptance) {
            criteria.add(plain(criterion.toLowerCase(Locale.ROOT)));
        }
        int checks = 0;
        for (String line : text.split("\n")) {
            if (criteria.contains(plain(line))) {
                continue;
            }
            Matcher check = TEXT_CHECK.matcher(line);
            int start = 0;
            for (int i = 0; i <= line.length(); i++) {
                if (i == line.length() || line.charAt(i) == ';' || line.charAt(i) == ',') {
                    if (i > start && check.region(start, i).find()) {
                        checks++;
                    }
                    start = i + 1;
                }
            }
        }
        return checks;
    }

    private static String plain(String line) {
        return line.replace("**", "").strip();
    }

    /** Points for naming where the work goes: code files and outputs most, code names next, documents least. */
    private static int place(ParsedTask task, String text) {
        if (!task.outputs().isEmpty()) {
            return PLACE_POINTS;
        }
        boolean documentsOnly = !task.files().isEmpty();
        for (String file : task.files()) {
            int dot = file.lastIndexOf('.');
            String extension = dot < 0 ? "" : file.substring(dot + 1).toLowerCase(Locale.ROOT);
            if (!DOCUMENT_EXTENSIONS.contains(extension)) {
                documentsOnly = false;
            }
        }
        if (!task.files().isEmpty() && !documentsOnly) {
            return PLACE_POINTS;
        }
        if (CODE_PLACE.matcher(text).find()) {
            return PLACE_POINTS;
        }
        return documentsOnly ? DOCUMENT_PLACE_POINTS : 0;
    }

    /** Code spans that hold an expression or statement (an operator, an assignment, a statement end). */
    private static int codeExpressions(String text) {
        Matcher span = CODE_SPAN.matcher(text);
        int n = 0;
        while (span.find()) {
            String code = span.group(1);
            if (code.contains("&&")
                    || code.contains("||")
                    || code.contains("==")
                    || code.contains("!=")
                    || code.contains("=>")
                    || code.contains(" = ")
                    || code.contains(";")
                    || (code.contains(" ? ") && code.contains(" : "))) {
                n++;
            }
        }
        return n;
    }

    /**
     * A field cut to the longest text the validator accepts ({@link SpecLimits#DEFAULT}): a longer task is refused
     * anyway, and the bound keeps the gate's cost per task small on hostile input.
     */
    private static String bounded(String field) {
        return field == null ? "" : field.length() <= MAX_FIELD ? field : field.substring(0, MAX_FIELD);
    }

    private static List<String> bounded(List<String> fields) {
        return fields.stream().limit(MAX_ITEMS).map(QualityGate::bounded).toList();
    }

    private static int words(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
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
