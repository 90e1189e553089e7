package dev.forgeline.support.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * Builds the bubblewrap ({@code bwrap}) command line that confines a child process as its {@link Sandbox} says.
 *
 * <p>The environment is never put on bwrap's command line ({@code --setenv}): a command line is readable by every
 * user of the machine in {@code /proc/<pid>/cmdline}, and a profile's key is among the values. Instead bwrap itself
 * is started with only the allowed variables ({@link #environment}) and hands them on; nothing of the service's
 * environment reaches the sandbox, not even through {@code /proc/1/environ} inside it, which is bwrap's own.
 */
public final class Bubblewrap {
    private static final Logger LOG = Logger.getLogger(Bubblewrap.class);
    /** The sandbox's home directory, inside its private /tmp. */
    public static final String HOME = "/tmp/home";
    /** Variables every sandboxed process gets from the service's environment when set there. */
    public static final List<String> BASE_ENVIRONMENT = List.of("PATH", "LANG", "LC_ALL", "TZ", "TERM");

    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final Probe PROBE = probe();

    private Bubblewrap() {}

    private record Probe(Optional<Path> executable, String reason) {}

    /** Whether bwrap is installed and can create the namespaces a sandbox needs on this machine. */
    public static boolean available() {
        return PROBE.executable().isPresent();
    }

    /** Why bwrap is not available (empty when it is). */
    public static String unavailableReason() {
        return PROBE.reason();
    }

    private static Probe probe() {
        if (!System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("linux")) {
            return new Probe(Optional.empty(), "bubblewrap needs Linux");
        }
        String path = System.getenv().getOrDefault("PATH", DEFAULT_PATH);
        Optional<Path> found = Stream.concat(Arrays.stream(path.split(File.pathSeparator)), Stream.of("/usr/bin"))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "bwrap"))
                .filter(Files::isExecutable)
                .findFirst();
        if (found.isEmpty()) {
            return new Probe(Optional.empty(), "no bwrap on PATH");
        }
        // installed is not enough: user namespaces may be switched off (containers, hardened kernels)
        List<String> command = new ArrayList<>(List.of(
                found.get().toString(),
                "--ro-bind",
                "/",
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--unshare-pid",
                "--unshare-net",
                "--die-with-parent",
                "true"));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String output;
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Probe(Optional.empty(), found.get() + " did not answer within 10 s");
            }
            output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .strip();
            if (process.exitValue() != 0) {
                return new Probe(
                        Optional.empty(),
                        found.get() + " cannot create namespaces here (exit " + process.exitValue() + ": " + output
                                + ")");
            }
        } catch (IOException e) {
            return new Probe(Optional.empty(), found.get() + " could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(Optional.empty(), "interrupted while checking " + found.get());
        }
        LOG.debugf("bubblewrap at %s works", found.get());
        return new Probe(found, "");
    }

    /**
     * The environment of a sandboxed process: PATH, LANG, LC_ALL, TZ and TERM and the sandbox's pass-through names
     * as the service has them, HOME and TMPDIR inside the private /tmp, then the request's own variables.
     */
    public static Map<String, String> environment(
            Sandbox sandbox, Map<String, String> service, Map<String, String> request) {
        Map<String, String> env = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>(BASE_ENVIRONMENT);
        names.addAll(sandbox.passEnvironment());
        for (String name : names) {
            String value = service.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.put("HOME", HOME);
        env.put("TMPDIR", "/tmp");
        env.putAll(request);
        return env;
    }

    /** {@code bwrap <options> -- <command>}, run in {@code directory}. */
    public static List<String> command(Sandbox sandbox, Path directory, List<String> command) {
        Path bwrap = PROBE.executable().orElseThrow(() -> new IllegalStateException(unavailableReason()));
        List<String> line = new ArrayList<>(List.of(
                bwrap.toString(),
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--die-with-parent",
                "--new-session"));
        if (!sandbox.network()) {
            line.add("--unshare-net");
        }
        for (Path hidden : sandbox.hidden()) {
            Path path = hidden.toAbsolutePath().normalize();
            if (Files.isDirectory(path)) {
                line.addAll(List.of("--tmpfs", path.toString()));
            } else if (Files.exists(path)) {
                line.addAll(List.of("--ro-bind", "/dev/null", path.toString()));
            }
        }
        line.addAll(List.of("--tmpfs", "/tmp", "--dir", HOME));
        for (Path path : sandbox.readable()) {
            if (Files.exists(path)) {
                line.addAll(List.of("--ro-bind", real(path), real(path)));
            }
        }
        // after the masks and /tmp: a writable place below either is reachable again
        Set<String> writable = new LinkedHashSet<>();
        writable.add(real(directory));
        sandbox.writable().forEach(path -> writable.add(real(path)));
        for (String path : writable) {
            line.addAll(List.of("--bind", path, path));
        }
        line.addAll(List.of("--chdir", real(directory), "--"));
        line.addAll(command);
        return line;
    }

    private static String real(Path path) {
        try {
            return path.toRealPath().toString();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize().toString();
        }
    }
}
