package dev.forgeline.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the git command line. */
public final class Git {
    private Git() {}

    /** Runs {@code git ARGS} in {@code dir} and returns its standard output; fails with git's message. */
    public static String run(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("git " + String.join(" ", args) + " failed in " + dir + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run git: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The first-parent history of main with each merge's trailers, as the demo prints it. */
    public static String log(Path repo) {
        String log = run(
                repo,
                "log",
                "--first-parent",
                "--format=  %h %s%n    %(trailers:key=Forgeline-Task,separator=%x2C )",
                "main");
        return log.lines().filter(line -> !line.isBlank()).collect(java.util.stream.Collectors.joining("\n"));
    }
}
