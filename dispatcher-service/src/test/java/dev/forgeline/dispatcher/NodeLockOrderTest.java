package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.Fixtures.unique;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.dispatcher.messaging.HeartbeatConsumer;
import dev.forgeline.dispatcher.repository.LeaseFeedRepository;
import dev.forgeline.dispatcher.repository.LeaseFeedRepository.NewEntry;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.testsupport.ForgelineInfraResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Transactions that lock several node rows take them in one order (name order), so PostgreSQL finds no lock cycle
 * among them: dispatch rounds appending to many nodes' lease feeds (in opposite orders), heartbeat batches naming
 * the nodes in reverse, lease feed positions recorded, and slots freed, all at once on the same nodes.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class NodeLockOrderTest {
    private static final int NODES = 12;
    private static final int ITERATIONS = 40;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    NodeRepository nodes;

    @Inject
    LeaseFeedRepository leaseFeed;

    @Inject
    HeartbeatConsumer heartbeats;

    @Test
    void concurrentTransactionsOnOverlappingNodesNeverDeadlock() throws Exception {
        String suite = "lockorder-" + unique();
        List<String> names = IntStream.range(0, NODES)
                .mapToObj(i -> String.format("%s-%02d", suite, i))
                .toList();
        List<String> reversed = new ArrayList<>(names);
        Collections.reverse(reversed);
        // cordoned: the service's own dispatch loop leaves these nodes (and their feeds) to the test
        QuarkusTransaction.requiringNew()
                .run(() -> names.forEach(n -> {
                    nodes.upsert(n, 4, Map.of("suite", suite), List.of(), List.of(), null);
                    nodes.setStatus(n, "CORDONED", "lock order test");
                }));

        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(5);
        List<Future<?>> done = new ArrayList<>();
        // dispatch rounds: each appends one event to every node's feed, one in name order, one in reverse
        done.add(threads.submit(repeat(start, failures, () -> appendRound(names))));
        done.add(threads.submit(repeat(start, failures, () -> appendRound(reversed))));
        // a heartbeat batch naming every node, in reverse name order
        done.add(threads.submit(repeat(start, failures, () -> heartbeats.applyBatch(nodeHeartbeats(reversed, suite)))));
        // slots taken and freed on several nodes at once, in reverse name order
        done.add(threads.submit(repeat(
                start,
                failures,
                () -> QuarkusTransaction.requiringNew().run(() -> {
                    Map<String, Integer> one = new java.util.LinkedHashMap<>();
                    reversed.forEach(n -> one.put(n, 1));
                    nodes.addActiveLeases(one);
                    nodes.releaseSlots(one);
                }))));
        // a worker reading its feed records its position, node after node
        done.add(threads.submit(repeat(
                start,
                failures,
                () -> reversed.forEach(n -> leaseFeed.position(n).ifPresent(p -> leaseFeed.ack(n, p.head()))))));
        start.countDown();
        threads.shutdown();
        assertThat(threads.awaitTermination(5, TimeUnit.MINUTES))
                .as("the concurrent transactions finished")
                .isTrue();
        for (Future<?> f : done) {
            f.get();
        }

        assertThat(failures).as("transactions failed (40P01 is a deadlock)").isEmpty();
        for (String name : names) {
            long[] feed = feedOf(name);
            // every append reserved its own numbers: the head counts the events appended, the feed holds each
            // number once, from the acknowledged position up to the head
            assertThat(feed[0]).as("lease_feed_seq of %s", name).isEqualTo(2L * ITERATIONS);
            assertThat(feed[1]).as("lease_feed_acked of %s", name).isBetween(0L, feed[0]);
            assertThat(feed[2]).as("feed entries of %s", name).isEqualTo(feed[0] - feed[1]);
            assertThat(feed[3]).as("active_leases of %s", name).isZero();
        }
    }

    private void appendRound(List<String> order) {
        QuarkusTransaction.requiringNew()
                .run(() -> leaseFeed.append(order.stream()
                        .map(n -> new NewEntry(n, EventType.TASK_LEASED.wireName(), "{}"))
                        .toList()));
    }

    private static List<Envelope> nodeHeartbeats(List<String> order, String suite) {
        return order.stream()
                .map(n -> Envelope.of(
                        EventType.NODE_HEARTBEAT,
                        null,
                        null,
                        new NodeHeartbeat(
                                n,
                                "CLUSTER",
                                "instance-" + n,
                                Map.of("suite", suite),
                                List.of(),
                                4,
                                List.of(),
                                Instant.now()),
                        Map.of()))
                .toList();
    }

    private static Runnable repeat(CountDownLatch start, ConcurrentLinkedQueue<Throwable> failures, Runnable work) {
        return () -> {
            try {
                start.await(Duration.ofMinutes(1).toMillis(), TimeUnit.MILLISECONDS);
                for (int i = 0; i < ITERATIONS; i++) {
                    work.run();
                }
            } catch (RuntimeException | InterruptedException e) {
                failures.add(e);
            }
        };
    }

    /** lease_feed_seq, lease_feed_acked, entries in the feed, active_leases. */
    private long[] feedOf(String node) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT n.lease_feed_seq, coalesce(r.acked, 0) AS lease_feed_acked, n.active_leases,
                               (SELECT count(*) FROM lease_feed f WHERE f.node_name = n.name) AS entries
                        FROM node n LEFT JOIN lease_feed_reader r ON r.node_name = n.name WHERE n.name = ?
                        """)) {
            ps.setString(1, node);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("node %s exists", node).isTrue();
                return new long[] {
                    rs.getLong("lease_feed_seq"),
                    rs.getLong("lease_feed_acked"),
                    rs.getLong("entries"),
                    rs.getLong("active_leases")
                };
            }
        }
    }
}
