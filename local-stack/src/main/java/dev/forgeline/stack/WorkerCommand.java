package dev.forgeline.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./forgeline worker --dispatcher URL --kafka BOOTSTRAP [--capacity N] [--labels k=v,k=v] [--name N]
 * [--repos-dir DIR] [--agent PROFILE] [--port P] [--token TOKEN]}: runs this machine as a worker node of a remote stack. It starts the
 * packaged worker service in the foreground, configured through system properties (labels are a map, which
 * environment variables cannot name reliably), with its output on this terminal; Ctrl-C stops it.
 */
final class WorkerCommand {
    private static final PrintStream OUT = System.out;

    private WorkerCommand() {}

    /** The worker service's configuration for the given arguments; fails naming a missing or bad option. */
    static Map<String, String> properties(List<String> args) {
        Map<String, String> options = parse(args);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("forgeline.worker.dispatcher-url", require(options, "--dispatcher"));
        properties.put("kafka.bootstrap.servers", require(options, "--kafka"));
        String capacity = options.getOrDefault("--capacity", "2");
        if (!capacity.matches("[1-9][0-9]*")) {
            throw new IllegalArgumentException("--capacity must be a positive number, not '" + capacity + "'");
        }
        properties.put("forgeline.worker.capacity", capacity);
        properties.put("forgeline.worker.node-name", options.getOrDefault("--name", defaultName()));
        if (options.containsKey("--repos-dir")) {
            properties.put(
                    "forgeline.worker.workspace",
                    Path.of(options.get("--repos-dir"))
                            .toAbsolutePath()
                            .normalize()
                            .toString());
        }
        if (options.containsKey("--agent")) {
            properties.put("forgeline.worker.agent", options.get("--agent"));
        }
        properties.put("quarkus.http.port", options.getOrDefault("--port", "8083"));
        if (System.getenv("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT") == null
                && System.getenv("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == null) {
            // no collector: spans and metrics are still made, but failed exports need not fill the terminal
            properties.put("quarkus.log.category.\"io.quarkus.opentelemetry.runtime.exporter\".level", "ERROR");
        }
        String labels = options.getOrDefault("--labels", "");
        for (String label : labels.split(",")) {
            if (label.isBlank()) {
                continue;
            }
            int eq = label.indexOf('=');
            if (eq <= 0 || eq == label.length() - 1) {
                throw new IllegalArgumentException(
                        "--labels takes name=value pairs separated by commas, not '" + label + "'");
            }
            properties.put(
                    "forgeline.worker.labels." + label.substring(0, eq).strip(),
                    label.substring(eq + 1).strip());
        }
        return properties;
    }

    static int run(Path home, List<String> args) {
        Map<String, String> properties;
        try {
            properties = properties(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            OUT.println("usage: ./forgeline worker --dispatcher URL --kafka BOOTSTRAP [--capacity N] [--labels k=v,...]"
                    + " [--name NAME] [--repos-dir DIR] [--agent PROFILE] [--port PORT] [--token TOKEN]");
            return 2;
        }
        String token = token(args, System.getenv("FORGELINE_TOKEN"));
        if (token == null) {
            System.err.println("error: a worker token is needed to register with the dispatcher: --token or"
                    + " FORGELINE_TOKEN (an admin makes one with: token create "
                    + properties.get("forgeline.worker.node-name") + " --role worker)");
            return 2;
        }
        Path jar = home.resolve("worker-service/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            System.err.println("error: " + jar + " does not exist: build first (./mvnw package -DskipTests)");
            return 1;
        }
        List<String> command = new ArrayList<>(List.of(ServiceProcess.javaExecutable()));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        OUT.println("worker node " + properties.get("forgeline.worker.node-name") + " joining "
                + properties.get("forgeline.worker.dispatcher-url") + " (Kafka "
                + properties.get("kafka.bootstrap.servers")
                + "), capacity " + properties.get("forgeline.worker.capacity"));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
            // in the environment, not on the command line: other users of the machine can read command lines
            builder.environment().put("FORGELINE_WORKER_TOKEN", token);
            Process worker = builder.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                worker.destroy();
                try {
                    worker.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            return worker.waitFor();
        } catch (IOException e) {
            System.err.println("error: the worker could not start: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static Map<String, String> parse(List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String value;
            if (arg.contains("=")) {
                value = arg.substring(arg.indexOf('=') + 1);
                arg = arg.substring(0, arg.indexOf('='));
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(arg + " needs a value");
            }
            if (!List.of(
                            "--dispatcher",
                            "--kafka",
                            "--capacity",
                            "--labels",
                            "--name",
                            "--repos-dir",
                            "--agent",
                            "--port",
                            "--token")
                    .contains(arg)) {
                throw new IllegalArgumentException("unknown option " + arg);
            }
            options.put(arg, value);
        }
        return options;
    }

    /** The worker token: {@code --token}, else the {@code FORGELINE_TOKEN} environment variable; null if neither. */
    static String token(List<String> args, String environment) {
        String given = parse(args).get("--token");
        if (given == null || given.isBlank()) {
            given = environment;
        }
        return given == null || given.isBlank() ? null : given.strip();
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }

    private static String defaultName() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT) + "-worker";
        } catch (UnknownHostException e) {
            return "laptop-worker";
        }
    }
}
