package dev.forgeline.worker.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an attempt's diff (unified with context, {@code git diff --no-renames -U5 base HEAD}) for ways it weakens verification, so
 * the review service can raise the review level. Each flag is {@code FLAG: path}:
 * <ul>
 * <li>{@code TEST_DELETED}: a test file was deleted;</li>
 * <li>{@code TEST_DISABLED}: a test was skipped or disabled ({@code @Disabled}, {@code @Ignore}, {@code it.skip},
 * {@code xit}, {@code @pytest.mark.skip}, {@code t.Skip}, {@code #[ignore]} ...) or a build file skips tests;</li>
 * <li>{@code ASSERTION_REMOVED}: a test file lost more assertion lines than it gained;</li>
 * <li>{@code COVERAGE_NARROWED}: a coverage configuration gained exclusions or lowered a threshold;</li>
 * <li>{@code LINT_RELAXED}: a lint configuration turned rules off or ignored paths, or code gained inline
 * suppressions ({@code eslint-disable}, {@code noqa}, {@code @SuppressWarnings}, {@code nolint} ...).</li>
 * </ul>
 */
public final class VerificationFlagger {
    private static final Pattern TEST_PATH = Pattern.compile(
            "(?:^|/)(?:test|tests|__tests__|spec|specs|src/test|src/it)/|(?:^|/)test_[^/]*\\.py$|_test\\.(?:py|go|sh|rb|exs?)$"
                    + "|(?:Test|Tests|IT|Spec)\\.(?:java|kt|scala|groovy|cs)$|\\.(?:test|spec)\\.[cm]?[jt]sx?$|_spec\\.rb$");
    private static final Pattern DISABLING = Pattern.compile(
            "@Disabled\\b|@Ignore\\b|@pytest\\.mark\\.skip|pytest\\.skip\\(|@unittest\\.skip|\\bunittest\\.skip\\("
                    + "|\\b(?:it|test|describe|context)\\.skip\\b|\\bx(?:it|describe|test)\\s*\\(|\\bt\\.Skip(?:f|Now)?\\("
                    + "|#\\[ignore\\]|@Disabled[A-Z]\\w*|\\bskip\\s*\\(\\s*['\"]|\\.todo\\(");
    private static final Pattern BUILD_SKIPS_TESTS = Pattern.compile(
            "<skipTests>\\s*true|<maven\\.test\\.skip>\\s*true|<skip>\\s*true\\s*</skip>|-DskipTests|-Dmaven\\.test\\.skip"
                    + "|\\btest\\s*\\{[^}]*enabled\\s*=\\s*false|tasks\\.test\\s*\\{\\s*enabled\\s*=\\s*false|--passWithNoTests"
                    + "|\"test\"\\s*:\\s*\"(?:true|exit 0|echo[^\"]*)\"");
    private static final Pattern ASSERTION = Pattern.compile(
            "\\bassert\\w*\\s*[(\\s!]|\\bexpect\\s*\\(|\\.should\\b|\\bt\\.(?:Error|Errorf|Fatal|Fatalf|Fail)\\b"
                    + "|\\bverify\\s*\\(|\\bassert_(?:eq|ne)!|\\bassert!|\\bself\\.assert\\w+|\\bFAIL\\b|\\bexit 1\\b|\\bfail\\s*\\(");
    private static final Pattern COVERAGE_FILE = Pattern.compile(
            "(?:^|/)(?:\\.coveragerc|codecov\\.ya?ml|\\.codecov\\.ya?ml|\\.nycrc(?:\\.json|\\.ya?ml)?|jest\\.config\\.[cm]?[jt]s(?:on)?"
                    + "|vitest\\.config\\.[cm]?[jt]s|karma\\.conf\\.js|\\.simplecov|jacoco[^/]*\\.xml)$");
    private static final Pattern BUILD_FILE = Pattern.compile(
            "(?:^|/)(?:pom\\.xml|build\\.gradle(?:\\.kts)?|pyproject\\.toml|setup\\.cfg|tox\\.ini|package\\.json|Makefile"
                    + "|\\.github/workflows/[^/]+\\.ya?ml|Cargo\\.toml|go\\.mod)$");
    private static final Pattern COVERAGE_WORDS =
            Pattern.compile("(?i)jacoco|coverage|\\bcov\\b|--cov|fail_under|fail-under|omit");
    private static final Pattern EXCLUSION = Pattern.compile(
            "(?i)<exclude>|\\bexcludes?\\b|\\bomit\\b|coveragePathIgnorePatterns|\\bignore\\w*|collectCoverageFrom[^\\n]*!");
    private static final Pattern THRESHOLD = Pattern.compile(
            "(?i)(fail[_-]under|<minimum>|minimum|coveredratio|threshold|branches|lines|functions|statements|--cov-fail-under)"
                    + "[^0-9\\n]{0,20}([0-9]+(?:\\.[0-9]+)?)");
    private static final Pattern LINT_FILE = Pattern.compile(
            "(?:^|/)(?:\\.eslintrc(?:\\.[a-z]+)?|eslint\\.config\\.[cm]?[jt]s|\\.flake8|ruff\\.toml|\\.ruff\\.toml|\\.pylintrc|pylintrc"
                    + "|checkstyle[^/]*\\.xml|\\.golangci\\.ya?ml|clippy\\.toml|\\.rubocop\\.ya?ml|tslint\\.json|detekt[^/]*\\.ya?ml"
                    + "|\\.editorconfig|biome\\.json|\\.stylelintrc(?:\\.[a-z]+)?|spotbugs[^/]*\\.xml|pmd[^/]*\\.xml)$");
    private static final Pattern LINT_RELAXING = Pattern.compile(
            "(?i)[\"']off[\"']|:\\s*0\\b|\\bignore\\w*|\\bdisable\\w*|\\bexclude\\w*|extend-ignore|per-file-ignores|\\ballow\\w*"
                    + "|severity\\s*=\\s*[\"']?(?:ignore|info)|\\bwarn(?:ing)?\\b");
    private static final Pattern INLINE_SUPPRESSION = Pattern.compile(
            "eslint-disable|#\\s*noqa|#\\s*type:\\s*ignore|@SuppressWarnings|//\\s*nolint|#\\[allow\\(|#!\\[allow\\("
                    + "|#\\s*pylint:\\s*disable|NOSONAR|@ts-ignore|@ts-nocheck|rubocop:disable|CHECKSTYLE:OFF");
    private static final Pattern LINT_IN_BUILD = Pattern.compile(
            "(?i)checkstyle|spotbugs|pmd|eslint|ruff|flake8|pylint|golangci|clippy|detekt|ktlint|spotless|-Werror|failOnViolation"
                    + "|failOnError|max-warnings");

    private VerificationFlagger() {}

    /** One file's part of the diff. */
    private static final class FileDiff {
        final String path;
        boolean deleted;
        final List<String> added = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        /** unchanged lines around the changes: tell whether a build file's change is in its coverage or lint part */
        final List<String> context = new ArrayList<>();

        List<String> all() {
            List<String> lines = new ArrayList<>(added);
            lines.addAll(removed);
            lines.addAll(context);
            return lines;
        }

        FileDiff(String path) {
            this.path = path;
        }
    }

    /** The flags of a unified diff, sorted and without duplicates. */
    public static List<String> flags(String unifiedDiff) {
        TreeSet<String> flags = new TreeSet<>();
        for (FileDiff file : parse(unifiedDiff).values()) {
            String path = file.path;
            boolean test = TEST_PATH.matcher(path).find();
            if (file.deleted && test) {
                flags.add("TEST_DELETED: " + path);
            }
            if (test && !file.deleted && (count(file.added, DISABLING) > count(file.removed, DISABLING))) {
                flags.add("TEST_DISABLED: " + path);
            }
            if (test && count(file.removed, ASSERTION) > count(file.added, ASSERTION) && !file.deleted) {
                flags.add("ASSERTION_REMOVED: " + path);
            }
            boolean build = BUILD_FILE.matcher(path).find();
            if (build && count(file.added, BUILD_SKIPS_TESTS) > count(file.removed, BUILD_SKIPS_TESTS)) {
                flags.add("TEST_DISABLED: " + path);
            }
            boolean coverageFile =
                    COVERAGE_FILE.matcher(path).find() || (build && anyMatch(file.all(), COVERAGE_WORDS));
            if (coverageFile
                    && coverageNarrowed(file, COVERAGE_FILE.matcher(path).find())) {
                flags.add("COVERAGE_NARROWED: " + path);
            }
            boolean lintFile = LINT_FILE.matcher(path).find() || (build && anyMatch(file.all(), LINT_IN_BUILD));
            if (lintFile && !file.deleted && count(file.added, LINT_RELAXING) > count(file.removed, LINT_RELAXING)) {
                flags.add("LINT_RELAXED: " + path);
            } else if (LINT_FILE.matcher(path).find() && file.deleted) {
                flags.add("LINT_RELAXED: " + path);
            }
            if (!lintFile && count(file.added, INLINE_SUPPRESSION) > count(file.removed, INLINE_SUPPRESSION)) {
                flags.add("LINT_RELAXED: " + path);
            }
        }
        return List.copyOf(flags);
    }

    private static boolean coverageNarrowed(FileDiff file, boolean dedicatedFile) {
        List<String> addedCoverage = dedicatedFile
                ? file.added
                : file.added.stream()
                        .filter(l -> COVERAGE_WORDS.matcher(l).find()
                                || EXCLUSION.matcher(l).find())
                        .toList();
        if (count(addedCoverage, EXCLUSION) > count(file.removed, EXCLUSION)) {
            return true;
        }
        Map<String, Double> before = thresholds(file.removed);
        Map<String, Double> after = thresholds(file.added);
        for (Map.Entry<String, Double> entry : after.entrySet()) {
            Double old = before.get(entry.getKey());
            if (old != null && entry.getValue() < old) {
                return true;
            }
        }
        return file.deleted && dedicatedFile;
    }

    private static Map<String, Double> thresholds(List<String> lines) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = THRESHOLD.matcher(line);
            while (m.find()) {
                values.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), Double.parseDouble(m.group(2)));
            }
        }
        return values;
    }

    private static int count(List<String> lines, Pattern pattern) {
        int n = 0;
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            while (m.find()) {
                n++;
            }
        }
        return n;
    }

    private static boolean anyMatch(List<String> lines, Pattern pattern) {
        return lines.stream().anyMatch(l -> pattern.matcher(l).find());
    }

    private static Map<String, FileDiff> parse(String diff) {
        Map<String, FileDiff> files = new LinkedHashMap<>();
        FileDiff current = null;
        if (diff == null) {
            return files;
        }
        for (String line : diff.split("\n", -1)) {
            if (line.startsWith("diff --git ")) {
                int b = line.lastIndexOf(" b/");
                String path = b >= 0 ? line.substring(b + 3) : line.substring("diff --git ".length());
                current = files.computeIfAbsent(path, FileDiff::new);
            } else if (current == null) {
                continue;
            } else if (line.startsWith("deleted file mode")) {
                current.deleted = true;
            } else if (line.startsWith("+++ ") || line.startsWith("--- ")) {
                continue;
            } else if (line.startsWith("+")) {
                current.added.add(line.substring(1));
            } else if (line.startsWith("-")) {
                current.removed.add(line.substring(1));
            } else if (line.startsWith(" ")) {
                current.context.add(line.substring(1));
            }
        }
        return files;
    }
}
