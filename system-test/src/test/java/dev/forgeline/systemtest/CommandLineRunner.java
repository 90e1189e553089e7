package dev.forgeline.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The packaged command line ({@code ./forgeline}: the local-stack jar and its lib folder) run as a child process in a
 * Forgeline home, as the script runs it: it finds the stack through the home's {@code .forgeline/stack}.
 */
final class CommandLineRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one command did. */
    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out, e);
            }
        }
    }

    private final Path home;
    private final String logPrefix;

    CommandLineRunner(Path home, String logPrefix) {
        this.home = home;
        this.logPrefix = logPrefix;
    }

    /** Runs the command line with these arguments and the home's admin-token file as its token. */
    Run run(String... args) {
        return run(null, Duration.ofMinutes(3), args);
    }

    /** Runs the command line and asserts that it exits 0. */
    Run ok(String... args) {
        return ok(null, Duration.ofMinutes(3), args);
    }

    Run ok(String token, Duration timeout, String... args) {
        Run run = run(token, timeout, args);
        assertThat(run.exit())
                .as("forgeline %s\nout: %s\nerr: %s", String.join(" ", args), run.out(), run.err())
                .isZero();
        return run;
    }

    /**
     * Runs the command line with {@code FORGELINE_TOKEN} set to this token (none: the stack's admin-token file). A
     * command still running after {@code timeout} gets SIGTERM first, so that a stack it started stops with it.
     */
    Run run(String token, Duration timeout, String... args) {
        Path target = ScratchFiles.HOME.resolve("local-stack/target");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                // a command line lives for a second: the quick compiler and one GC thread start it faster
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dforgeline.home=" + home,
                "-cp",
                localStackJar(target) + ":" + target.resolve("lib") + "/*",
                "dev.forgeline.stack.ForgelineCli"));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("cli-out", ".txt");
            Path err = Files.createTempFile("cli-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().remove("FORGELINE_TOKEN");
            if (token != null) {
                builder.environment().put("FORGELINE_TOKEN", token);
            }
            long start = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroy();
                if (!process.waitFor(1, TimeUnit.MINUTES)) {
                    process.destroyForcibly();
                }
                throw new AssertionError("forgeline " + String.join(" ", args) + " did not end within " + timeout
                        + "; its output:\n" + Files.readString(out) + Files.readString(err));
            }
            Run run = new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            System.out.printf(
                    "[%s] forgeline %s -> %d (%.1f s)%n",
                    logPrefix, String.join(" ", args), run.exit(), (System.nanoTime() - start) / 1e9);
            return run;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String localStackJar(Path target) {
        try (var files = Files.list(target)) {
            return files.filter(
                            p -> p.getFileName().toString().matches("forgeline-local-stack-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no local-stack jar in " + target + ": package it first"))
                    .toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
