package dev.forgeline.dispatcher;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.forgeline.testsupport.TestKafka;

/** Publishes NODE_HEARTBEATs for one node instance every 250 ms, as a live worker process does. */
final class NodeBeater implements AutoCloseable {
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "node-beater");
        thread.setDaemon(true);
        return thread;
    });

    NodeBeater(TestKafka kafka, String node, String instanceId, Map<String, String> labels, int capacity) {
        executor.scheduleWithFixedDelay(
                () -> {
                    try {
                        Fixtures.publishNodeHeartbeat(kafka, node, instanceId, labels, capacity);
                    } catch (RuntimeException e) {
                        // a missed beat is what the supervisor is for
                    }
                },
                0,
                250,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
