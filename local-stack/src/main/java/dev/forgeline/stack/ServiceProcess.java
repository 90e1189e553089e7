package dev.forgeline.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One packaged Quarkus service running as its own OS process, its output in a log file. */
public final class ServiceProcess implements AutoCloseable {
    private final String name;
    private final ProcessBuilder builder;
    private final Path log;
    private Process process;

    private ServiceProcess(String name, ProcessBuilder builder, Path log) {
        this.name = name;
        this.builder = builder;
        this.log = log;
    }

    /** Starts {@code java -jar quarkusApp/quarkus-run.jar} with {@code env} added to this process's environment. */
    public static ServiceProcess start(String name, Path quarkusApp, Map<String, String> env, Path log) {
        Path jar = quarkusApp.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " does not exist: build the services first (./mvnw package -DskipTests)");
        }
        List<String> command = new ArrayList<>(List.of(
                javaExecutable(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        try {
            Files.createDirectories(log.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
        ServiceProcess service = new ServiceProcess(name, builder, log);
        service.launch();
        return service;
    }

    private synchronized void launch() {
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String name() {
        return name;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the service with SIGKILL, as a crash or an out-of-memory kill would (no shutdown hook runs), and waits
     * until it is gone. Processes it started in sessions of their own (a worker's agents) are left, as after a crash.
     */
    public synchronized void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (" + process.pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + name, e);
        }
    }

    /** Starts the service again, with the same command and environment, its output appended to the same log. */
    public synchronized void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " (" + process.pid() + ") is still running");
        }
        launch();
    }

    /**
     * Starts the service again with {@code environmentChanges} applied to its environment, and kept for later
     * restarts (e.g. a worker told to reach the broker and the dispatcher through a proxy).
     */
    public synchronized void restart(Map<String, String> environmentChanges) {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " (" + process.pid() + ") is still running");
        }
        builder.environment().putAll(environmentChanges);
        launch();
    }

    /** Freezes the service (SIGSTOP): it keeps its sockets and memory but runs no code, as in a long GC pause. */
    public synchronized void suspend() {
        signal("STOP");
    }

    /** Lets a {@link #suspend() suspended} service run again (SIGCONT). */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, String.valueOf(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes());
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -s " + signal + " " + process.pid() + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not send SIG" + signal + " to " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name, e);
        }
    }

    public Path log() {
        return log;
    }

    /** The last lines of the service's log, for error messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Asks the service to stop (SIGTERM, so it shuts down cleanly) and kills it if it has not within 15 s. */
    @Override
    public synchronized void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
