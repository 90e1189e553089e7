package dev.forgeline.systemtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.embedded.ServicePorts;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.stack.ServiceProcess;
import dev.forgeline.support.auth.Roles;

/**
 * A worker node on a host of its own: the packaged worker service as its own process, listening on its own address,
 * with a directory nobody else uses (its workspace, its configuration, its log). It knows the rest of the system only
 * by address: the dispatcher's URL, the Kafka bootstrap servers, and the git host's token in its own file.
 */
final class WorkerHost implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String nodeName;
    private final Path directory;
    private final URI url;
    private final ServiceProcess process;
    private final String adminToken;

    private WorkerHost(String nodeName, Path directory, URI url, ServiceProcess process, String adminToken) {
        this.adminToken = adminToken;
        this.nodeName = nodeName;
        this.directory = directory;
        this.url = url;
        this.process = process;
    }

    /**
     * Starts a worker named {@code nodeName} with one slot and the simulated agent, listening on {@code address}, in
     * {@code directory}. {@code gitHost} and {@code gitToken}: the only credential it is given, written to a file of
     * its own and named in its own configuration file (as a deployment's mounted secret is).
     */
    static WorkerHost start(
            Path home,
            String nodeName,
            InetAddress address,
            Path directory,
            URI dispatcher,
            String kafkaBootstrapServers,
            String gitHost,
            String gitToken,
            LocalStack stack) {
        return start(
                home,
                nodeName,
                address,
                directory,
                dispatcher,
                kafkaBootstrapServers,
                gitHost,
                gitToken,
                stack,
                Map.of());
    }

    /**
     * As {@link #start(Path, String, InetAddress, Path, URI, String, String, String, LocalStack)}, with further
     * environment variables for the worker (the simulated agent's fault profile, its capacity), applied last.
     */
    static WorkerHost start(
            Path home,
            String nodeName,
            InetAddress address,
            Path directory,
            URI dispatcher,
            String kafkaBootstrapServers,
            String gitHost,
            String gitToken,
            LocalStack stack,
            Map<String, String> extraEnvironment) {
        try {
            Files.createDirectories(directory);
            Path token = Files.writeString(directory.resolve("git-token"), gitToken + "\n");
            Path config = Files.writeString(
                    directory.resolve("worker.properties"),
                    "forgeline.git.hosts.\"" + gitHost + "\".token-file=" + token + "\n");
            int port = ServicePorts.free(address);
            Map<String, String> env = new HashMap<>();
            env.put("QUARKUS_CONFIG_LOCATIONS", config.toString());
            env.put("QUARKUS_HTTP_HOST", address.getHostAddress());
            env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers);
            env.put("FORGELINE_WORKER_NODE_NAME", nodeName);
            env.put("FORGELINE_WORKER_CAPACITY", "1");
            env.put("FORGELINE_WORKER_AGENT", "simulated");
            env.put("FORGELINE_WORKER_DISPATCHER_URL", dispatcher.toString());
            // a worker token of its own, and the stack's token store for the worker's own API
            env.put("FORGELINE_WORKER_TOKEN", stack.createToken(nodeName, Roles.WORKER));
            env.put(
                    "FORGELINE_AUTH_TOKENS_FILE",
                    stack.workDirectory().resolve(LocalStack.TOKENS_FILE).toString());
            env.put(
                    "FORGELINE_WORKER_WORKSPACE",
                    Files.createDirectories(directory.resolve("workspace")).toString());
            // no trace collector runs here: spans are still made and propagated, failed exports need not fill the log
            env.put("QUARKUS_LOG_CATEGORY__IO_QUARKUS_OPENTELEMETRY_RUNTIME_EXPORTER__LEVEL", "ERROR");
            env.putAll(extraEnvironment);
            ServiceProcess process = ServiceProcess.start(
                    nodeName,
                    home.resolve(ServiceKind.WORKER.module()).resolve("target").resolve("quarkus-app"),
                    env,
                    directory.resolve("worker.log"));
            return new WorkerHost(
                    nodeName,
                    directory,
                    URI.create("http://" + address.getHostAddress() + ":" + port),
                    process,
                    stack.adminToken());
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare worker host " + nodeName, e);
        }
    }

    /** The worker's process, to kill, suspend or restart it. */
    ServiceProcess process() {
        return process;
    }

    String nodeName() {
        return nodeName;
    }

    Path workspace() {
        return directory.resolve("workspace");
    }

    /** Healthy and registered with the dispatcher; fails with the log's end when the process has exited. */
    boolean isReady() {
        if (!process.isAlive()) {
            throw new IllegalStateException(nodeName + " exited; its log ends with:\n" + process.logTail(30));
        }
        try {
            HttpResponse<String> worker = HTTP.send(
                    HttpRequest.newBuilder(url.resolve("/worker"))
                            .header("Authorization", "Bearer " + adminToken)
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return worker.statusCode() == 200
                    && JSON.readTree(worker.body()).path("registered").asBoolean();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The attempts whose transcript this host's workspace holds, as {@code <taskId>/a<n>}, for one spec. */
    List<String> transcripts(String specId) {
        Path spec = workspace().resolve(".transcripts").resolve(specId);
        if (!Files.isDirectory(spec)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(spec)) {
            return files.filter(Files::isRegularFile)
                    .map(f -> spec.relativize(f).toString().replace('\\', '/').replaceAll("\\.log$", ""))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logTail(int lines) {
        return process.logTail(lines);
    }

    @Override
    public void close() {
        process.close();
    }
}
