package dev.forgeline.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskLeased;

/**
 * Stands in for the workers the way they receive leases: one long poll per node on the dispatcher's lease feed
 * ({@code GET /nodes/{name}/leases}), all asynchronous, until every task's first lease arrived; keeps each task's
 * lease and the time its poll answered here (what a worker can act on).
 */
final class LeaseFeedDeliveries implements AutoCloseable {
    /**
     * One task's first lease as a worker receives it.
     *
     * @param receivedMicros when the node's feed poll returned it (epoch microseconds)
     */
    record Delivery(TaskLeased lease, long receivedMicros) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final int n;
    private final Map<String, Delivery> deliveries = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Consumer<Delivery> onDelivery;
    private volatile boolean stop;

    private LeaseFeedDeliveries(URI base, int n, Consumer<Delivery> onDelivery) {
        this.base = base;
        this.n = n;
        this.onDelivery = onDelivery;
    }

    /** Starts one long poll per node (nodes already registered). */
    static LeaseFeedDeliveries start(URI dispatcher, List<String> nodes, int n) {
        return start(dispatcher, nodes, n, delivery -> {});
    }

    /**
     * Starts one long poll per node (nodes already registered); {@code onDelivery} is told of each task's first lease
     * as it arrives, on the HTTP client's thread (as a worker's pool is offered it).
     */
    static LeaseFeedDeliveries start(URI dispatcher, List<String> nodes, int n, Consumer<Delivery> onDelivery) {
        LeaseFeedDeliveries deliveries = new LeaseFeedDeliveries(dispatcher, n, onDelivery);
        for (String node : nodes) {
            deliveries.poll(node, null);
        }
        return deliveries;
    }

    private void poll(String node, Long after) {
        if (stop || done.isDone()) {
            return;
        }
        URI uri = base.resolve(
                "/nodes/" + node + "/leases?wait=10&limit=1000" + (after == null ? "" : "&after=" + after));
        http.sendAsync(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .whenComplete((response, failure) -> {
                    long received = BenchSupport.nowMicros();
                    if (failure != null || response.statusCode() != 200) {
                        if (!stop) {
                            done.completeExceptionally(new IllegalStateException("lease feed of " + node + " not read: "
                                    + (failure != null ? failure : response.statusCode() + " " + response.body())));
                        }
                        return;
                    }
                    try {
                        JsonNode page = JSON.readTree(response.body());
                        for (JsonNode event : page.get("events")) {
                            Envelope envelope =
                                    EventCodec.decode(event.get("envelope").asText());
                            if (EventType.TASK_LEASED.wireName().equals(envelope.type())) {
                                Delivery delivery = new Delivery(envelope.payloadAs(TaskLeased.class), received);
                                if (deliveries.putIfAbsent(envelope.specId() + "/" + envelope.taskId(), delivery)
                                        == null) {
                                    onDelivery.accept(delivery);
                                }
                            }
                        }
                        if (deliveries.size() >= n) {
                            done.complete(null);
                        }
                        poll(node, page.get("next").asLong());
                    } catch (Exception e) {
                        done.completeExceptionally(e);
                    }
                });
    }

    /** Waits until all {@code n} tasks' leases arrived; fails if the dispatcher exits or the timeout passes. */
    void await(Duration timeout, ChildProcess dispatcher) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.isDone()) {
            dispatcher.checkAlive();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + deliveries.size() + " of " + n + " leases received within " + timeout);
            }
            try {
                done.get(100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // not yet: check the dispatcher again
            }
        }
        done.get();
    }

    /** How many tasks' first leases have arrived. */
    int count() {
        return deliveries.size();
    }

    /** The delivery of {@code spec/task}, null if its lease has not arrived. */
    Delivery of(String spec, String task) {
        return deliveries.get(spec + "/" + task);
    }

    @Override
    public void close() {
        stop = true;
    }
}
