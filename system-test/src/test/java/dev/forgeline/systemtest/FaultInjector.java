package dev.forgeline.systemtest;

import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import dev.forgeline.stack.ServiceProcess;

/**
 * Injects faults into a running stack, drawn from a seeded generator: SIGKILL and restart of a worker, SIGSTOP of a
 * worker past its leases' silence window then SIGCONT, SIGKILL and restart of the dispatcher, of the broker and of
 * the database server. It keeps the log of what it injected and when each target was gone and back, which the soak
 * uses to tell the slot time held by leases whose worker was gone.
 */
final class FaultInjector {
    /** The kinds of fault, in the order of {@link #WEIGHTS}. */
    enum Kind {
        WORKER_KILL,
        WORKER_SIGSTOP,
        DISPATCHER_KILL,
        BROKER_KILL,
        DATABASE_KILL
    }

    /** Relative frequency of each kind: workers are where the field's zombies came from. */
    private static final int[] WEIGHTS = {3, 2, 2, 1, 1};

    /** A worker node the injector may kill or freeze. */
    record Node(String name, ServiceProcess process, BooleanSupplier ready) {}

    /**
     * One injected fault: {@code target} (a node name or the service) was gone (killed or frozen) from {@code goneAt}
     * until {@code backAt} (ready again).
     */
    record Injected(Kind kind, String target, Instant goneAt, Instant backAt) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final LocalStack stack;
    private final List<Node> workers;
    private final Random random;
    private final Duration freezeLimit;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Injected> log = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param freezeLimit how long a frozen worker waits at most for the dispatcher to declare it DEAD before it is let
     *                    run again
     */
    FaultInjector(LocalStack stack, List<Node> workers, long seed, Duration freezeLimit) {
        this.stack = stack;
        this.workers = List.copyOf(workers);
        this.random = new Random(seed);
        this.freezeLimit = freezeLimit;
    }

    /** Whether the dispatcher lists the node as DEAD ({@code GET /nodes}). */
    private boolean nodeDead(String name) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.DISPATCHER).resolve("/nodes"))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            return false;
        }
        for (JsonNode node : JSON.readTree(response.body())) {
            if (node.path("name").asText().equals(name)) {
                return node.path("status").asText().equals("DEAD");
            }
        }
        return false;
    }

    /** Draws the next kind of fault from the seeded generator. */
    Kind nextKind() {
        int total = 0;
        for (int w : WEIGHTS) {
            total += w;
        }
        int roll = random.nextInt(total);
        for (Kind kind : Kind.values()) {
            roll -= WEIGHTS[kind.ordinal()];
            if (roll < 0) {
                return kind;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    /** A delay drawn uniformly between half and one and a half times {@code mean}. */
    Duration nextDelay(Duration mean) {
        return Duration.ofMillis((long) (mean.toMillis() * (0.5 + random.nextDouble())));
    }

    /** Injects one fault of the given kind and returns once its target is ready again. */
    Injected inject(Kind kind) {
        Injected injected = switch (kind) {
            case WORKER_KILL -> {
                Node node = workers.get(random.nextInt(workers.size()));
                Instant gone = Instant.now();
                node.process().kill();
                node.process().restart();
                awaitReady(node);
                yield new Injected(kind, node.name(), gone, Instant.now());
            }
            case WORKER_SIGSTOP -> {
                Node node = workers.get(random.nextInt(workers.size()));
                Instant gone = Instant.now();
                node.process().suspend();
                try {
                    // frozen until the dispatcher has declared it DEAD (its leases orphaned), as a long GC
                    // pause or a stopped VM would be
                    await().atMost(freezeLimit)
                            .pollInterval(Duration.ofMillis(500))
                            .ignoreExceptions()
                            .until(() -> nodeDead(node.name()));
                } finally {
                    node.process().resume();
                }
                awaitReady(node);
                yield new Injected(kind, node.name(), gone, Instant.now());
            }
            case DISPATCHER_KILL -> {
                Instant gone = Instant.now();
                stack.process(ServiceKind.DISPATCHER).kill();
                stack.restart(ServiceKind.DISPATCHER);
                yield new Injected(kind, "dispatcher", gone, Instant.now());
            }
            case BROKER_KILL -> {
                Instant gone = Instant.now();
                stack.kafkaProcess().kill();
                stack.kafkaProcess().restart();
                yield new Injected(kind, "broker", gone, Instant.now());
            }
            case DATABASE_KILL -> {
                Instant gone = Instant.now();
                stack.postgresProcess().kill();
                stack.postgresProcess().restart();
                yield new Injected(kind, "database", gone, Instant.now());
            }
        };
        log.add(injected);
        return injected;
    }

    private static void awaitReady(Node node) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(node.ready()::getAsBoolean);
    }

    /** What was injected, oldest first. */
    List<Injected> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Faults injected so far by kind. */
    Map<Kind, Integer> countsByKind() {
        Map<Kind, Integer> counts = new LinkedHashMap<>();
        for (Kind kind : Kind.values()) {
            counts.put(kind, 0);
        }
        log().forEach(f -> counts.merge(f.kind(), 1, Integer::sum));
        return counts;
    }
}
