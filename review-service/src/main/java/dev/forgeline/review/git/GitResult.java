package dev.forgeline.review.git;

import java.util.Arrays;
import java.util.List;

/** What one git command printed and how it exited. */
public record GitResult(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }

    /** Non-empty lines of standard output. */
    public List<String> lines() {
        return Arrays.stream(stdout.split("\n"))
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList();
    }

    /** The line that says what went wrong (git's fatal/error line, else the first one), for reasons and logs. */
    public String firstMessageLine() {
        String text = stderr.isBlank() ? stdout : stderr;
        List<String> lines =
                text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        return lines.stream()
                .filter(l -> l.startsWith("fatal:") || l.startsWith("error:"))
                .findFirst()
                .or(() -> lines.stream().findFirst())
                .orElse("exit code " + exitCode);
    }
}
