package dev.forgeline.planner.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the file paths a task's text says it writes ({@code lib/slug.sh}, {@code `pkg/mcp/config.go`}). Two tasks
 * writing the same file are never in flight together, so a false match only costs parallelism while a missed one
 * risks a collision: a word counts as a path when it has a directory part or a known source file extension, and is
 * not a URL or a directory. A path the task only runs or reads names no file: one inside a command
 * ({@code `sh test.sh`}), inside parentheses (a reference such as {@code (contracts/api.md)}), followed by
 * "passes"/"exists"/"compiles", or whose nearest verb before it in the clause is a reading one (run, execute,
 * read, see, confirm, verify, check, ...). A path whose nearest verb is a writing one (create, add, implement,
 * update, generate, test, ...) or that has no verb before it is written.
 */
public final class FileMentions {
    private static final Pattern CANDIDATE = Pattern.compile("[A-Za-z0-9_.@~/+-]+");
    private static final Pattern EXTENSION = Pattern.compile(
            ".*\\.(java|kt|kts|scala|groovy|go|rs|py|rb|php|js|jsx|mjs|cjs|ts|tsx|dart|swift|c|h|cc|cpp|hpp|cs|m|"
                    + "sh|bash|zsh|ps1|sql|md|txt|json|yaml|yml|toml|xml|html|css|scss|properties|gradle|arb|"
                    + "proto|graphql|lock|cfg|ini|env|tf|vue|svelte|lua|ex|exs|erl|clj|r|ipynb)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.@+-]+");
    private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z-]*");
    private static final Pattern PARENTHESISED = Pattern.compile("\\([^()]*\\)");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    private static final Set<String> WRITE_VERBS = Set.of(
            "add",
            "create",
            "write",
            "implement",
            "update",
            "modify",
            "edit",
            "extend",
            "change",
            "fix",
            "refactor",
            "rename",
            "move",
            "delete",
            "remove",
            "generate",
            "regenerate",
            "refresh",
            "wire",
            "apply",
            "correct",
            "define",
            "declare",
            "register",
            "insert",
            "append",
            "replace",
            "introduce",
            "build",
            "configure",
            "document",
            "make",
            "save",
            "emit",
            "produce",
            "output",
            "touch",
            "scaffold",
            "align",
            "test",
            "put",
            "store",
            "set",
            "migrate",
            "port",
            "split",
            "merge",
            "adjust",
            "patch",
            "bump",
            "print");
    private static final Set<String> READ_VERBS = Set.of(
            "run",
            "execute",
            "exec",
            "see",
            "confirm",
            "verify",
            "check",
            "consult",
            "follow",
            "reference",
            "review",
            "inspect",
            "load",
            "import",
            "open",
            "compare",
            "validate",
            "invoke",
            "call",
            "source",
            "sh",
            "bash",
            "python",
            "node",
            "npm",
            "npx",
            "cat",
            "ensure");
    /** How many trailing directory levels a shorter name may leave out. */
    private static final int SUFFIX_LEVELS = 16;

    private static final Set<String> READ_AFTER = Set.of("passes", "pass", "succeeds", "exists", "compiles", "runs");

    private FileMentions() {}

    /** Adds every path {@code texts} say is written to {@code files} that is not there yet, in order. */
    public static void addMentioned(List<String> files, String... texts) {
        Map<String, String> written = new LinkedHashMap<>();
        addWritten(written, texts);
        written.keySet().stream().filter(f -> !files.contains(f)).forEach(files::add);
    }

    /**
     * Adds every path {@code texts} say is written to {@code written} (path to why: {@code "writes: add"}, or
     * {@code "named"} when no verb precedes it), keeping what is already there.
     */
    public static void addWritten(Map<String, String> written, String... texts) {
        for (String text : texts) {
            if (text == null) {
                continue;
            }
            Matcher m = CANDIDATE.matcher(text);
            while (m.find()) {
                String word = trim(m.group());
                if (!isPath(word, text, m.start()) || written.containsKey(word)) {
                    continue;
                }
                String why = writeReason(text, m.start(), m.end());
                if (why != null) {
                    written.put(word, why);
                }
            }
        }
    }

    /**
     * Matches a file named by its bare name or a shorter path ({@code user.py}, {@code models/user.py}) with the
     * longer paths of the same spec that end in it ({@code src/models/user.py}), so that tasks writing one file
     * under two names are still ordered. A short name matching several paths stands for all of them: a false match
     * only costs parallelism. The reason keeps the name the task used ({@code writes: update, as user.py}).
     *
     * @return the tasks with their files resolved, in the same order; tasks without such names unchanged
     */
    public static List<ParsedTask> matchShortNames(List<ParsedTask> tasks) {
        Set<String> all = new java.util.LinkedHashSet<>();
        tasks.forEach(t -> all.addAll(t.files()));
        // each path's last few suffixes looked up in the set: linear in the text, whatever a spec holds
        Map<String, List<String>> longer = new LinkedHashMap<>();
        for (String path : all) {
            int slash = path.length();
            for (int level = 0; level < SUFFIX_LEVELS && (slash = path.lastIndexOf('/', slash - 1)) > 0; level++) {
                String suffix = path.substring(slash + 1);
                if (all.contains(suffix)) {
                    longer.computeIfAbsent(suffix, s -> new ArrayList<>()).add(path);
                }
            }
        }
        if (longer.isEmpty()) {
            return tasks;
        }
        // a name stands for the longest paths only: models/user.py in between is itself src/models/user.py
        longer.replaceAll((name, paths) ->
                paths.stream().filter(p -> !longer.containsKey(p)).toList());
        List<ParsedTask> resolved = new ArrayList<>(tasks.size());
        for (ParsedTask task : tasks) {
            if (task.files().stream().noneMatch(longer::containsKey)) {
                resolved.add(task);
                continue;
            }
            Map<String, String> reasons = new LinkedHashMap<>();
            for (String file : task.files()) {
                String why = task.fileReasons().getOrDefault(file, "named");
                for (String path : longer.getOrDefault(file, List.of(file))) {
                    reasons.putIfAbsent(path, path.equals(file) ? why : why + ", as " + file);
                }
            }
            resolved.add(task.withFiles(new ArrayList<>(reasons.keySet()), reasons));
        }
        return resolved;
    }

    /** Why the path at {@code start..end} is written, or null when the text only runs or reads it. */
    static String writeReason(String text, int start, int end) {
        int lineStart = text.lastIndexOf('\n', start - 1) + 1;
        String before = text.substring(lineStart, start);
        // inside a code span that is a command line: the file is run
        int ticks = (int) before.chars().filter(c -> c == '`').count();
        if (ticks % 2 == 1) {
            int close = text.indexOf('`', end);
            String span = text.substring(lineStart + before.lastIndexOf('`') + 1, close < 0 ? text.length() : close);
            if (span.strip().contains(" ")) {
                return null;
            }
            before = before.substring(0, before.lastIndexOf('`'));
        }
        // inside parentheses: a reference to read
        String outer = before;
        String reduced;
        while (!(reduced = PARENTHESISED.matcher(outer).replaceAll(" ")).equals(outer)) {
            outer = reduced;
        }
        if (outer.indexOf('(') >= 0) {
            return null;
        }
        Matcher after = WORD.matcher(text.substring(end, Math.min(text.length(), end + 40)));
        if (after.find()
                && text.substring(end, end + after.start()).matches("[`'\"\\s]*")
                && READ_AFTER.contains(after.group().toLowerCase(Locale.ROOT))) {
            return null;
        }
        // the clause the path is in, without code spans: its nearest verb decides
        int clause = Math.max(Math.max(outer.lastIndexOf(';'), outer.lastIndexOf(". ")), outer.lastIndexOf(", then"));
        String words = CODE_SPAN.matcher(outer.substring(clause + 1)).replaceAll(" ");
        List<String> tokens = new ArrayList<>();
        Matcher w = WORD.matcher(words);
        while (w.find()) {
            tokens.add(w.group().toLowerCase(Locale.ROOT));
        }
        for (int i = tokens.size() - 1; i >= 0; i--) {
            String verb = verb(tokens.get(i), WRITE_VERBS);
            if (verb != null) {
                return "writes: " + verb;
            }
            if (verb(tokens.get(i), READ_VERBS) != null || (i == 0 && verb(tokens.get(i), Set.of("read")) != null)) {
                return null; // "read" only as the clause's first word: "titles read from stdin" writes nothing
            }
        }
        return "named";
    }

    /** The base form of {@code word} when it is a verb of {@code verbs} (base, -s, -es or -ing form). */
    private static String verb(String word, Set<String> verbs) {
        for (String form : List.of(
                word,
                word.endsWith("s") ? word.substring(0, word.length() - 1) : "",
                word.endsWith("es") ? word.substring(0, word.length() - 2) : "",
                word.endsWith("ing") ? word.substring(0, word.length() - 3) : "",
                word.endsWith("ing") ? word.substring(0, word.length() - 3) + "e" : "")) {
            if (!form.isEmpty() && verbs.contains(form)) {
                return form;
            }
        }
        return null;
    }

    private static String trim(String word) {
        String w = word;
        while (!w.isEmpty() && ".,;:)".indexOf(w.charAt(w.length() - 1)) >= 0) {
            w = w.substring(0, w.length() - 1);
        }
        while (w.startsWith("./")) {
            w = w.substring(2);
        }
        return w;
    }

    private static boolean isPath(String word, String text, int start) {
        if (word.length() < 3
                || word.endsWith("/")
                || word.startsWith("/")
                || word.startsWith("~")
                || word.contains("//")
                || word.startsWith("-")
                || word.startsWith("@")) {
            return false;
        }
        if (start > 0 && (text.charAt(start - 1) == ':' || text.charAt(start - 1) == '/')) {
            return false; // part of a URL or a scheme
        }
        String[] segments = word.split("/");
        for (String segment : segments) {
            if (segment.isEmpty()
                    || segment.equals("..")
                    || !SEGMENT.matcher(segment).matches()) {
                return false;
            }
        }
        if (word.contains("@")) {
            return false; // versions and e-mail addresses (module@latest)
        }
        if (EXTENSION.matcher(word).matches()) {
            String base = segments[segments.length - 1];
            return base.indexOf('.') > 0 || segments.length > 1;
        }
        // a path with a directory but no known extension: a file only if its last segment has an extension
        return segments.length > 1 && segments[segments.length - 1].matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9]{1,8}");
    }
}
