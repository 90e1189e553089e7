package dev.forgeline.support.verification;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one set of rules for ways a change weakens verification: the worker flags its attempt's diff with them and
 * the review service checks the diff it merges with them, so both read a change the same way. Each flag is
 * {@code FLAG: path}:
 * <ul>
 * <li>{@code TEST_DELETED}: a test file was deleted, or renamed out of the test paths;</li>
 * <li>{@code TEST_DISABLED}: a test was skipped or disabled ({@code @Disabled}, {@code @Ignore}, {@code it.skip},
 * {@code xit}, {@code @pytest.mark.skip}, {@code t.Skip}, {@code #[ignore]}, {@code pending(} ...) or a build file
 * skips tests;</li>
 * <li>{@code ASSERTION_REMOVED}: a test file lost more assertion lines than it gained;</li>
 * <li>{@code COVERAGE_NARROWED}: a coverage configuration gained exclusions or lowered a threshold;</li>
 * <li>{@code LINT_RELAXED}: a lint configuration turned rules off or ignored paths, or code gained inline
 * suppressions ({@code eslint-disable}, {@code noqa}, {@code @SuppressWarnings}, {@code nolint} ...).</li>
 * </ul>
 * Pure and linear in the diff.
 */
public final class WeakenedVerification {
    /** Where tests live unless a repository's review rules say otherwise. */
    public static final Pattern DEFAULT_TEST_PATHS = Pattern.compile(
            "(?:^|/)(?:test|tests|__tests__|spec|specs|src/test|src/it)/|(?:^|/)test_[^/]*\\.py$|_test\\.(?:py|go|sh|rb|exs?)$"
                    + "|(?:Test|Tests|IT|Spec)\\.(?:java|kt|scala|groovy|cs)$|\\.(?:test|spec)\\.[cm]?[jt]sx?$|_spec\\.rb$");

    private static final Pattern DISABLING = Pattern.compile(
            "@(?:[\\w.]+\\.)?(?:Disabled|Ignore)\\b|@pytest\\.mark\\.skip|pytest\\.skip\\(|@unittest\\.skip"
                    + "|\\bunittest\\.skip\\(|\\b(?:it|test|describe|context)\\.skip\\b|\\.skip\\(|\\bx(?:it|describe|test)\\s*\\("
                    + "|\\bt\\.Skip(?:f|Now)?\\(|#\\[ignore\\]|@Disabled[A-Z]\\w*|\\bskip\\s*\\(\\s*['\"]|\\.todo\\("
                    + "|\\bpending\\(");
    private static final Pattern BUILD_SKIPS_TESTS = Pattern.compile(
            "<skipTests>\\s*true|<maven\\.test\\.skip>\\s*true|<skip>\\s*true\\s*</skip>|-DskipTests|-Dmaven\\.test\\.skip"
                    + "|maven\\.test\\.skip\\s*=\\s*true"
                    + "|\\btest\\s*\\{[^}]*enabled\\s*=\\s*false|tasks\\.test\\s*\\{\\s*enabled\\s*=\\s*false|--passWithNoTests"
                    + "|\"test\"\\s*:\\s*\"(?:true|exit 0|echo[^\"]*)\"");
    private static final Pattern ASSERTION = Pattern.compile(
            "\\bassert\\w*\\s*[(\\s!]|\\bexpect\\s*\\(|\\.should\\b|\\bt\\.(?:Error|Errorf|Fatal|Fatalf|Fail)\\b"
                    + "|\\bverify\\s*\\(|\\bassert_(?:eq|ne)!|\\bassert!|\\bself\\.assert\\w+|\\bFAIL\\b|\\bexit 1\\b"
                    + "|\\bfail\\s*\\(|\\bcheck\\(|\\[\\s*!?\\s*-[a-z]\\b|\\btest\\s+-[a-z]\\b");
    private static final Pattern COVERAGE_FILE = Pattern.compile(
            "(?:^|/)(?:\\.coveragerc|codecov\\.ya?ml|\\.codecov\\.ya?ml|\\.nycrc(?:\\.json|\\.ya?ml)?|jest\\.config\\.[cm]?[jt]s(?:on)?"
                    + "|vitest\\.config\\.[cm]?[jt]s|karma\\.conf\\.js|\\.simplecov|jacoco[^/]*\\.xml)$");
    private static final Pattern BUILD_FILE = Pattern.compile(
            "(?:^|/)(?:pom\\.xml|build\\.gradle(?:\\.kts)?|pyproject\\.toml|setup\\.cfg|tox\\.ini|package\\.json|Makefile"
                    + "|\\.github/workflows/[^/]+\\.ya?ml|Cargo\\.toml|go\\.mod)$");
    private static final Pattern COVERAGE_WORDS =
            Pattern.compile("(?i)jacoco|coverage|codecov|\\bnyc\\b|\\bcov\\b|--cov|fail_under|fail-under|omit");
    private static final Pattern EXCLUSION = Pattern.compile(
            "(?i)<exclude>|\\bexcludes?\\b|\\bomit\\b|coveragePathIgnorePatterns|\\bignore\\w*|collectCoverageFrom[^\\n]*!");
    private static final Pattern THRESHOLD = Pattern.compile(
            "(?i)(fail[_-]under|<minimum>|minimum|coveredratio|covered_ratio|threshold|branches|lines|functions|statements"
                    + "|instructions|--cov-fail-under)[^0-9\\n]{0,20}([0-9]+(?:\\.[0-9]+)?)");
    private static final Pattern LINT_FILE = Pattern.compile(
            "(?:^|/)(?:\\.eslintrc(?:\\.[a-z]+)?|eslint\\.config\\.[cm]?[jt]s|\\.flake8|ruff\\.toml|\\.ruff\\.toml|\\.pylintrc|pylintrc"
                    + "|checkstyle[^/]*\\.xml|\\.golangci\\.ya?ml|clippy\\.toml|\\.rubocop\\.ya?ml|tslint\\.json|detekt[^/]*\\.ya?ml"
                    + "|\\.editorconfig|biome\\.json|\\.stylelintrc(?:\\.[a-z]+)?|spotbugs[^/]*\\.xml|findbugs[^/]*\\.xml"
                    + "|pmd[^/]*\\.xml|\\.scalafmt\\.conf)$");
    private static final Pattern LINT_RELAXING = Pattern.compile(
            "(?i)[\"']off[\"']|:\\s*0\\b|\\bignore\\w*|\\bdisable\\w*|\\bexclude\\w*|extend-ignore|per-file-ignores|\\ballow\\w*"
                    + "|\\bsuppress\\w*|[:=]\\s*[\"']?false\\b|severity\\s*=\\s*[\"']?(?:ignore|info)|\\bwarn(?:ing)?\\b");
    private static final Pattern INLINE_SUPPRESSION = Pattern.compile(
            "eslint-disable|#\\s*noqa|#\\s*type:\\s*ignore|@SuppressWarnings|@SuppressFBWarnings|//\\s*nolint|#\\[allow\\("
                    + "|#!\\[allow\\(|#\\s*pylint:\\s*disable|NOSONAR|@ts-ignore|@ts-nocheck|rubocop:disable|CHECKSTYLE:OFF");
    private static final Pattern LINT_IN_BUILD = Pattern.compile(
            "(?i)checkstyle|spotbugs|pmd|eslint|ruff|flake8|pylint|golangci|clippy|detekt|ktlint|spotless|-Werror|failOnViolation"
                    + "|failOnError|max-warnings");

    private WeakenedVerification() {}

    /**
     * One file a change touched.
     *
     * @param path    the path after the change (before it, for a deletion)
     * @param oldPath the path before the change: differs from {@code path} for a rename
     * @param context unchanged lines around the changes, when the diff has them: they tell whether a build file's
     *                change is in its coverage or lint part
     */
    public record ChangedFile(
            String path,
            String oldPath,
            boolean deleted,
            List<String> added,
            List<String> removed,
            List<String> context) {
        public ChangedFile {
            oldPath = oldPath == null ? path : oldPath;
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            context = List.copyOf(context);
        }

        List<String> all() {
            List<String> lines = new ArrayList<>(added);
            lines.addAll(removed);
            lines.addAll(context);
            return lines;
        }
    }

    /** The flags of a unified diff ({@code git diff --no-renames -U5 base head}), with the default test paths. */
    public static List<String> flags(String unifiedDiff) {
        return flags(parseUnifiedDiff(unifiedDiff), DEFAULT_TEST_PATHS);
    }

    /** The flags of the changed files, sorted and without duplicates; {@code testPaths} says which files are tests. */
    public static List<String> flags(List<ChangedFile> files, Pattern testPaths) {
        TreeSet<String> flags = new TreeSet<>();
        for (ChangedFile file : files) {
            String path = file.path();
            boolean test = testPaths.matcher(path).find();
            if (file.deleted() && test) {
                flags.add("TEST_DELETED: " + path);
            } else if (!file.oldPath().equals(path)
                    && testPaths.matcher(file.oldPath()).find()
                    && !test) {
                flags.add("TEST_DELETED: " + file.oldPath());
            }
            if (test && !file.deleted() && count(file.added(), DISABLING) > count(file.removed(), DISABLING)) {
                flags.add("TEST_DISABLED: " + path);
            }
            if (test && !file.deleted() && count(file.removed(), ASSERTION) > count(file.added(), ASSERTION)) {
                flags.add("ASSERTION_REMOVED: " + path);
            }
            boolean build = BUILD_FILE.matcher(path).find();
            if (build && count(file.added(), BUILD_SKIPS_TESTS) > count(file.removed(), BUILD_SKIPS_TESTS)) {
                flags.add("TEST_DISABLED: " + path);
            }
            boolean dedicatedCoverageFile = COVERAGE_FILE.matcher(path).find();
            if ((dedicatedCoverageFile || (build && anyMatch(file.all(), COVERAGE_WORDS)))
                    && coverageNarrowed(file, dedicatedCoverageFile)) {
                flags.add("COVERAGE_NARROWED: " + path);
            }
            boolean lintFile = LINT_FILE.matcher(path).find() || (build && anyMatch(file.all(), LINT_IN_BUILD));
            if (lintFile
                    && !file.deleted()
                    && count(file.added(), LINT_RELAXING) > count(file.removed(), LINT_RELAXING)) {
                flags.add("LINT_RELAXED: " + path);
            } else if (LINT_FILE.matcher(path).find() && file.deleted()) {
                flags.add("LINT_RELAXED: " + path);
            }
            if (!lintFile && count(file.added(), INLINE_SUPPRESSION) > count(file.removed(), INLINE_SUPPRESSION)) {
                flags.add("LINT_RELAXED: " + path);
            }
        }
        return List.copyOf(flags);
    }

    private static boolean coverageNarrowed(ChangedFile file, boolean dedicatedFile) {
        List<String> addedCoverage = dedicatedFile
                ? file.added()
                : file.added().stream()
                        .filter(l -> COVERAGE_WORDS.matcher(l).find()
                                || EXCLUSION.matcher(l).find())
                        .toList();
        if (count(addedCoverage, EXCLUSION) > count(file.removed(), EXCLUSION)) {
            return true;
        }
        Map<String, Double> before = thresholds(file.removed());
        Map<String, Double> after = thresholds(file.added());
        for (Map.Entry<String, Double> entry : after.entrySet()) {
            Double old = before.get(entry.getKey());
            if (old != null && entry.getValue() < old) {
                return true;
            }
        }
        return file.deleted() && dedicatedFile;
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

    /** The files of a unified diff with their added, removed and context lines. */
    public static List<ChangedFile> parseUnifiedDiff(String diff) {
        List<ChangedFile> files = new ArrayList<>();
        if (diff == null) {
            return files;
        }
        String path = null;
        boolean deleted = false;
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> context = new ArrayList<>();
        for (String line : diff.split("\n", -1)) {
            if (line.startsWith("diff --git ")) {
                if (path != null) {
                    files.add(new ChangedFile(path, path, deleted, added, removed, context));
                }
                int b = line.lastIndexOf(" b/");
                path = b >= 0 ? line.substring(b + 3) : line.substring("diff --git ".length());
                deleted = false;
                added = new ArrayList<>();
                removed = new ArrayList<>();
                context = new ArrayList<>();
            } else if (path == null || line.startsWith("+++ ") || line.startsWith("--- ")) {
                continue;
            } else if (line.startsWith("deleted file mode")) {
                deleted = true;
            } else if (line.startsWith("+")) {
                added.add(line.substring(1));
            } else if (line.startsWith("-")) {
                removed.add(line.substring(1));
            } else if (line.startsWith(" ")) {
                context.add(line.substring(1));
            }
        }
        if (path != null) {
            files.add(new ChangedFile(path, path, deleted, added, removed, context));
        }
        return files;
    }
}
