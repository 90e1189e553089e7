package dev.forgeline.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * One Forgeline drain run against the real dispatcher ({@link DispatcherUnderTest}): {@code n} task.ready events (no
 * dependencies, no requirements) published and applied until every task is READY with no node registered; then the
 * dispatch is paused, nodes with {@code n} slots in all registered through {@code POST /nodes}, and the dispatch
 * resumed. Grants are read from the lease rows (first lease of each task, {@code leased_at}); deliveries from the
 * records on {@code forgeline.tasks.leased} (their Kafka timestamps, set when the outbox relay sends them).
 */
final class ForgelineDrain {
    static final String SYSTEM = "Forgeline";
    static final int SLOTS_PER_NODE = 250;
    private static final String SPEC = "drain";

    private final BenchPostgres postgres;
    private final Path dispatcherApp;
    private final List<String> jvmOptions;
    private final Consumer<String> progress;
    /** The per-statement profile of the drain window, or null without {@code --profile}. */
    private final StatementProfile profile;

    private String lastProfile;

    ForgelineDrain(
            BenchPostgres postgres,
            Path dispatcherApp,
            List<String> jvmOptions,
            Consumer<String> progress,
            StatementProfile profile) {
        this.postgres = postgres;
        this.dispatcherApp = dispatcherApp;
        this.jvmOptions = jvmOptions;
        this.progress = progress;
        this.profile = profile;
    }

    /** The statement table of the last run (with {@code --profile}), or null. */
    String lastProfile() {
        return lastProfile;
    }

    DrainResult run(String database, int n, Path work) throws Exception {
        lastProfile = null;
        // with --profile the dispatcher also records its own CPU (JFR), read for the same window
        CpuProfile cpu = profile == null ? null : new CpuProfile(work);
        List<String> options = new ArrayList<>(jvmOptions);
        if (cpu != null) {
            options.addAll(cpu.jvmOptions());
        }
        try (DispatcherUnderTest dispatcher =
                DispatcherUnderTest.start(postgres, dispatcherApp, options, database, work)) {
            long publishStart = System.currentTimeMillis();
            try (KafkaProducer<String, String> producer = dispatcher.producer(5)) {
                for (int i = 0; i < n; i++) {
                    producer.send(DispatcherUnderTest.taskReady(SPEC, "task-" + i, "dispatch drain"));
                }
                producer.flush();
            }
            dispatcher.awaitCount("SELECT count(*) FROM dispatcher.task WHERE state = 'READY'", n, "tasks READY");
            long intakeMs = System.currentTimeMillis() - publishStart;
            progress.accept(n + " tasks READY after " + intakeMs + " ms; registering " + nodeCount(n) + " nodes");

            try (LeaseDeliveries deliveries = LeaseDeliveries.start(dispatcher.bootstrapServers(), n)) {
                dispatcher.post("/dispatch/pause?reason=benchmark", null);
                for (int i = 0; i < nodeCount(n); i++) {
                    int slots = Math.min(SLOTS_PER_NODE, n - i * SLOTS_PER_NODE);
                    dispatcher.post(
                            "/nodes",
                            "{\"name\":\"%s\",\"capacity\":%d}".formatted(DispatcherUnderTest.nodeName(i), slots));
                }
                if (profile != null) {
                    profile.reset();
                }
                if (cpu != null) {
                    cpu.open(dispatcher.process().pid());
                }
                long resumedAt = System.currentTimeMillis();
                dispatcher.post("/dispatch/resume", null);
                progress.accept("dispatch resumed");
                deliveries.await(DispatcherUnderTest.STEP_TIMEOUT, dispatcher.process());
                progress.accept("all " + n + " leases delivered");
                // read before the benchmark's own queries below
                StatementProfile.Report statements = profile == null ? null : profile.read(database);
                CpuProfile.Report cpuUsed =
                        cpu == null ? null : cpu.close(dispatcher.process().pid());
                long windowMs = System.currentTimeMillis() - resumedAt;
                long[] grants = grantSpan(dispatcher, n);
                if (statements != null) {
                    lastProfile = StatementProfile.table(
                                    statements,
                                    "the Forgeline drain",
                                    n,
                                    windowMs,
                                    "from resume to the last delivery",
                                    grants[3])
                            + CpuProfile.table(cpuUsed);
                }
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("dispatchRounds", grants[3]);
                extra.put("deliveredFirstMs", deliveries.firstMs);
                extra.put("deliveredLastMs", deliveries.lastMs);
                extra.put("deliveredPerSecond", DrainResult.rate(n - 1, deliveries.firstMs, deliveries.lastMs));
                extra.put("firstGrantToFirstDeliveryMs", deliveries.firstMs - grants[0]);
                extra.put("lastGrantToLastDeliveryMs", deliveries.lastMs - grants[1]);
                extra.put("publishToAllReadyMs", intakeMs);
                extra.put("nodes", nodeCount(n));
                return new DrainResult(SYSTEM, n, grants[0], grants[1], (int) (n - grants[2]), extra);
            }
        }
    }

    static int nodeCount(int n) {
        return (n + SLOTS_PER_NODE - 1) / SLOTS_PER_NODE;
    }

    /**
     * First and last grant (epoch ms) by each task's first lease, the leases of the last round (they share its time)
     * and the number of rounds; fails unless every task has a lease.
     */
    private static long[] grantSpan(DispatcherUnderTest dispatcher, int n) throws SQLException {
        String sql = """
                WITH firsts AS (SELECT min(leased_at) AS first_lease FROM dispatcher.lease GROUP BY spec_id, task_id)
                SELECT count(*) AS leased_tasks, (extract(epoch FROM min(first_lease)) * 1000)::bigint AS first_grant,
                       (extract(epoch FROM max(first_lease)) * 1000)::bigint AS last_grant,
                       count(*) FILTER (WHERE first_lease = (SELECT max(first_lease) FROM firsts)) AS last_round_leases,
                       count(DISTINCT first_lease) AS rounds,
                       (SELECT count(*) FROM dispatcher.lease WHERE ended_at IS NOT NULL) AS ended_leases
                FROM firsts
                """;
        try (Connection c = dispatcher.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            if (rs.getLong("leased_tasks") != n) {
                throw new IllegalStateException(rs.getLong("leased_tasks") + " of " + n + " tasks have a lease");
            }
            if (rs.getLong("ended_leases") > 0) {
                throw new IllegalStateException(
                        rs.getLong("ended_leases") + " leases ended during the drain (orphaned or timed out):"
                                + " the supervisor interfered and the figures would not be the dispatch rate");
            }
            return new long[] {
                rs.getLong("first_grant"),
                rs.getLong("last_grant"),
                rs.getLong("last_round_leases"),
                rs.getLong("rounds")
            };
        }
    }
}
