package dev.forgeline.planner.spec;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the file paths a task's text names ({@code lib/slug.sh}, {@code `pkg/mcp/config.go`}). Two tasks naming
 * the same file are never in flight together, so a false match only costs parallelism while a missed one risks
 * a collision: a word counts when it has a directory part or a known source file extension, and is not a URL or
 * a directory.
 */
public final class FileMentions {
    private static final Pattern CANDIDATE = Pattern.compile("[A-Za-z0-9_.@~/+-]+");
    private static final Pattern EXTENSION = Pattern.compile(
            ".*\\.(java|kt|kts|scala|groovy|go|rs|py|rb|php|js|jsx|mjs|cjs|ts|tsx|dart|swift|c|h|cc|cpp|hpp|cs|m|"
                    + "sh|bash|zsh|ps1|sql|md|txt|json|yaml|yml|toml|xml|html|css|scss|properties|gradle|arb|"
                    + "proto|graphql|lock|cfg|ini|env|tf|vue|svelte|lua|ex|exs|erl|clj|r|ipynb)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.@+-]+");

    private FileMentions() {}

    /** Adds every path mentioned in {@code texts} to {@code files} that is not there yet, in order. */
    public static void addMentioned(List<String> files, String... texts) {
        for (String text : texts) {
            if (text == null) {
                continue;
            }
            Matcher m = CANDIDATE.matcher(text);
            while (m.find()) {
                String word = trim(m.group());
                if (isPath(word, text, m.start()) && !files.contains(word)) {
                    files.add(word);
                }
            }
        }
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
