package dev.forgeline.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Scaling benchmark: grant rate, dispatch round intervals and CPU per lease (the dispatcher's and PostgreSQL's) as
 * the READY backlog grows and as the fleet grows. Each point is a fresh database and a fresh dispatcher
 * ({@link DispatcherUnderTest}): its backlog of task.ready records applied until every task is READY with no node
 * registered, then the dispatch paused, the nodes registered through {@code POST /nodes}, a {@link SimulatedFleet}
 * started on them and the dispatch resumed. The window runs from the resume until the fleet has received the first
 * {@code leases} leases; the figures are taken over those leases.
 *
 * <ul>
 *   <li>Backlog axis: {@code backlog} tasks READY, at least {@link #BACKLOG_AXIS_NODES} nodes (more where a node
 *       would need more than {@link #MAX_SLOTS_PER_NODE} slots) with a slot for every measured lease
 *       (min(leases, backlog)): capacity does not limit the grants, the dispatch does.
 *   <li>Fleet axis: {@code nodes} nodes, {@code leases} tasks READY; the fleet has a fifth as many slots as there are
 *       measured leases ({@link #FLEET_SLOT_USES}), at least one per node, so each slot is leased, run and freed
 *       about five times: the grants follow the nodes' results.
 * </ul>
 */
final class ScalingBenchmark {
    static final String NAME = "scaling";
    static final int BACKLOG_AXIS_NODES = 10;
    /** The most slots the dispatcher lets one node register. */
    static final int MAX_SLOTS_PER_NODE = 256;
    /** On the fleet axis, how many times each slot is used in the window (the fleet's slots: leases / this). */
    static final int FLEET_SLOT_USES = 5;

    private static final String SPEC = "scaling";

    record Options(List<Integer> backlogs, List<Integer> fleets, int leases, Path home, Path out, boolean profile) {}

    /** One measured configuration. */
    record Point(String axis, int size, int backlog, int nodes, int slotsPerNode, int measured) {
        static Point backlog(int backlog, int leases) {
            int measured = Math.min(leases, backlog);
            int nodes = Math.max(BACKLOG_AXIS_NODES, (measured + MAX_SLOTS_PER_NODE - 1) / MAX_SLOTS_PER_NODE);
            int slots = (measured + nodes - 1) / nodes;
            return new Point("backlog", backlog, backlog, nodes, slots, measured);
        }

        static Point fleet(int nodes, int leases) {
            int slots = Math.max(1, (leases / FLEET_SLOT_USES + nodes - 1) / nodes);
            return new Point("fleet", nodes, leases, nodes, slots, leases);
        }
    }

    private final Options options;
    /** The statement table of the last point (with {@code --profile}), or null. */
    private String lastProfile;

    ScalingBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        Path work = BenchSupport.fresh(options.home().resolve("bench/target/work/" + NAME));
        String date = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
        Map<String, Object> machine = Machine.describe();
        BenchSupport.log("machine: " + machine);
        List<Point> points = new ArrayList<>();
        options.backlogs().forEach(b -> points.add(Point.backlog(b, options.leases())));
        options.fleets().forEach(n -> points.add(Point.fleet(n, options.leases())));
        double loadAtStart = BenchSupport.loadAverage();
        List<Map<String, Object>> lines = new ArrayList<>();
        Path postgresData = work.resolve("postgres");
        List<String> profiles = new ArrayList<>();
        try (BenchPostgres postgres = BenchPostgres.start(postgresData, options.profile())) {
            Map<String, Object> settings = postgres.durableSettings();
            StatementProfile statements = options.profile() ? new StatementProfile(postgres) : null;
            BenchSupport.log("PostgreSQL: " + settings);
            for (Point point : points) {
                BenchSupport.log(point.axis() + " " + point.size() + ": " + point.backlog() + " tasks, "
                        + point.nodes() + " nodes of " + point.slotsPerNode() + " slots, " + point.measured()
                        + " leases measured");
                String database = postgres.freshDatabase("scaling_" + point.axis() + "_" + point.size());
                double loadBefore = BenchSupport.loadAverage();
                Map<String, Object> result;
                try {
                    result = measure(
                            postgres,
                            postgresData,
                            database,
                            point,
                            work.resolve(point.axis() + "-" + point.size()),
                            statements);
                } finally {
                    postgres.dropDatabase(database);
                }
                if (lastProfile != null) {
                    profiles.add(lastProfile);
                }
                Map<String, Object> line = BenchSupport.lineHead(NAME, date, 1, ForgelineDrain.SYSTEM);
                line.put("axis", point.axis());
                line.put("size", point.size());
                line.put("backlog", point.backlog());
                line.put("nodes", point.nodes());
                line.put("slotsPerNode", point.slotsPerNode());
                line.put("measuredLeases", point.measured());
                line.putAll(result);
                line.put("loadAverageBefore", loadBefore);
                line.put("loadAverageAfter", BenchSupport.loadAverage());
                BenchSupport.lineTail(line, machine, settings);
                BenchSupport.append(options.out(), line);
                lines.add(line);
                BenchSupport.log(String.format(
                        Locale.ROOT,
                        "%s %d: %.0f leases/s, round interval p99 %.1f ms, %.2f / %.2f ms CPU per lease"
                                + " (dispatcher / PostgreSQL)",
                        point.axis(),
                        point.size(),
                        (Double) result.get("leasesPerSecond"),
                        (Double) result.get("roundIntervalP99Ms"),
                        (Double) result.get("dispatcherCpuMsPerLease"),
                        (Double) result.get("postgresCpuMsPerLease")));
            }
        }
        System.out.println();
        System.out.print(table(lines, loadAtStart));
        profiles.forEach(p -> System.out.print(System.lineSeparator() + p));
        System.out.println("raw results: " + options.out());
    }

    private Map<String, Object> measure(
            BenchPostgres postgres,
            Path postgresData,
            String database,
            Point point,
            Path work,
            StatementProfile statements)
            throws Exception {
        try (DispatcherUnderTest dispatcher = DispatcherUnderTest.start(
                postgres,
                options.home().resolve("dispatcher-service/target/quarkus-app"),
                BenchSupport.CHILD_JVM_OPTIONS,
                database,
                work)) {
            long publishStart = System.currentTimeMillis();
            try (KafkaProducer<String, String> producer = dispatcher.producer(5)) {
                for (int i = 0; i < point.backlog(); i++) {
                    producer.send(DispatcherUnderTest.taskReady(SPEC, "task-" + i, "scaling"));
                }
                producer.flush();
            }
            dispatcher.awaitCount(
                    "SELECT count(*) FROM dispatcher.task WHERE state = 'READY'", point.backlog(), "tasks READY");
            long intakeMs = System.currentTimeMillis() - publishStart;
            BenchSupport.log(point.backlog() + " tasks READY after " + intakeMs + " ms; registering " + point.nodes()
                    + " nodes");
            dispatcher.post("/dispatch/pause?reason=benchmark", null);
            dispatcher.registerNodes(point.nodes(), point.slotsPerNode());
            List<String> nodes = IntStream.range(0, point.nodes())
                    .mapToObj(DispatcherUnderTest::nodeName)
                    .toList();
            long startMicros;
            long endMicros;
            double dispatcherCpu;
            double postgresCpu;
            long resultsSent;
            StatementProfile.Report statementsInWindow;
            try (SimulatedFleet fleet = SimulatedFleet.start(dispatcher, nodes, point.measured())) {
                double dispatcherCpuStart = dispatcher.process().cpuSeconds();
                double postgresCpuStart = ProcessCpu.postgresSeconds(postgresData);
                if (statements != null) {
                    statements.reset();
                }
                startMicros = BenchSupport.nowMicros();
                dispatcher.post("/dispatch/resume", null);
                fleet.await(DispatcherUnderTest.STEP_TIMEOUT, dispatcher.process());
                endMicros = BenchSupport.nowMicros();
                // read before the benchmark's own queries below
                statementsInWindow = statements == null ? null : statements.read(database);
                dispatcherCpu = dispatcher.process().cpuSeconds() - dispatcherCpuStart;
                postgresCpu = ProcessCpu.postgresSeconds(postgresData) - postgresCpuStart;
                resultsSent = fleet.resultsSent();
                fleet.check();
            }
            BenchSupport.log(point.measured() + " leases received in " + (endMicros - startMicros) / 1000 + " ms");
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("publishToAllReadyMs", intakeMs);
            result.putAll(grants(dispatcher, point.measured()));
            long granted = dispatcher.count(
                    "SELECT count(*) FROM dispatcher.lease WHERE leased_at <= to_timestamp(" + endMicros / 1e6 + ")");
            long ended = dispatcher.count(
                    "SELECT count(*) FROM dispatcher.lease WHERE ended_at <= to_timestamp(" + endMicros / 1e6 + ")");
            double windowSeconds = (endMicros - startMicros) / 1e6;
            result.put("windowSeconds", windowSeconds);
            result.put("leasesGrantedInWindow", granted);
            result.put("leasesEndedInWindow", ended);
            result.put("resultsSentInWindow", resultsSent);
            result.put("dispatcherCpuSeconds", dispatcherCpu);
            result.put("postgresCpuSeconds", postgresCpu);
            result.put("dispatcherCpuCores", dispatcherCpu / windowSeconds);
            result.put("postgresCpuCores", postgresCpu / windowSeconds);
            result.put("dispatcherCpuMsPerLease", 1000 * dispatcherCpu / granted);
            result.put("postgresCpuMsPerLease", 1000 * postgresCpu / granted);
            lastProfile = statementsInWindow == null
                    ? null
                    : StatementProfile.table(
                            statementsInWindow,
                            NAME + " " + point.axis() + " " + point.size(),
                            (int) granted,
                            (endMicros - startMicros) / 1000,
                            "from resume until the fleet received its last lease",
                            ((Number) result.get("dispatchRounds")).longValue());
            JsonNode stats = BenchSupport.readTree(dispatcher.get("/dispatcher/stats"));
            for (String counter : List.of("staleHeartbeats", "staleResults", "orphaned", "timedOut", "retries")) {
                result.put(counter, stats.path(counter).asLong());
            }
            if (stats.path("orphaned").asLong() + stats.path("timedOut").asLong() > 0) {
                throw new IllegalStateException("leases were orphaned or timed out: the fleet did not keep them alive;"
                        + " see " + dispatcher.process().log());
            }
            return result;
        }
    }

    /**
     * From the lease rows of the first {@code measured} grants: the grant rate and the intervals between dispatch
     * rounds (a round stamps all its leases with one time). Rate: the leases after the first round over the time from
     * the first round to the last; NaN with a single round.
     */
    private static Map<String, Object> grants(DispatcherUnderTest dispatcher, int measured) throws Exception {
        List<Long> rounds = new ArrayList<>();
        List<Integer> perRound = new ArrayList<>();
        try (Connection c = dispatcher.connect();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT (extract(epoch FROM leased_at) * 1000000)::bigint AS leased_at_micros FROM dispatcher.lease
                        ORDER BY leased_at LIMIT ?
                        """)) {
            ps.setInt(1, measured);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long at = rs.getLong("leased_at_micros");
                    if (rounds.isEmpty() || rounds.get(rounds.size() - 1) != at) {
                        rounds.add(at);
                        perRound.add(1);
                    } else {
                        perRound.set(perRound.size() - 1, perRound.get(perRound.size() - 1) + 1);
                    }
                }
            }
        }
        int leases = perRound.stream().mapToInt(Integer::intValue).sum();
        if (leases < measured) {
            throw new IllegalStateException("only " + leases + " of " + measured + " leases have a lease row");
        }
        List<Long> intervals = new ArrayList<>();
        for (int i = 1; i < rounds.size(); i++) {
            intervals.add(rounds.get(i) - rounds.get(i - 1));
        }
        double spanSeconds = (rounds.get(rounds.size() - 1) - rounds.get(0)) / 1e6;
        Latencies roundIntervals = Latencies.of(intervals);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("leasesPerSecond", rounds.size() < 2 ? Double.NaN : (leases - perRound.get(0)) / spanSeconds);
        result.put("dispatchRounds", rounds.size());
        result.put(
                "leasesPerRoundMax",
                perRound.stream().mapToInt(Integer::intValue).max().orElse(0));
        result.put("grantSpanSeconds", spanSeconds);
        result.put("roundIntervalP50Ms", roundIntervals.p50());
        result.put("roundIntervalP99Ms", roundIntervals.p99());
        result.put("roundInterval", roundIntervals.toMap());
        return result;
    }

    private String table(List<Map<String, Object>> lines, double loadAtStart) {
        StringBuilder table = new StringBuilder(String.format(
                Locale.ROOT,
                "scaling, up to %d leases measured per point (load average %.1f at the start)%n"
                        + "%-8s %7s %7s %12s %9s %9s %9s %7s %12s %12s %6s%n",
                options.leases(),
                loadAtStart,
                "axis",
                "size",
                "backlog",
                "nodes x slots",
                "leases/s",
                "round p50",
                "round p99",
                "rounds",
                "dispatcher",
                "PostgreSQL",
                "load"));
        table.append(String.format(
                Locale.ROOT,
                "%-8s %7s %7s %12s %9s %9s %9s %7s %12s %12s%n",
                "",
                "",
                "",
                "",
                "",
                "ms",
                "ms",
                "",
                "ms CPU/lease",
                "ms CPU/lease"));
        for (Map<String, Object> line : lines) {
            table.append(String.format(
                    Locale.ROOT,
                    "%-8s %7d %7d %12s %9.0f %9.1f %9.1f %7d %12.2f %12.2f %6.1f%n",
                    line.get("axis"),
                    (Integer) line.get("size"),
                    (Integer) line.get("backlog"),
                    line.get("nodes") + " x " + line.get("slotsPerNode"),
                    (Double) line.get("leasesPerSecond"),
                    (Double) line.get("roundIntervalP50Ms"),
                    (Double) line.get("roundIntervalP99Ms"),
                    (Integer) line.get("dispatchRounds"),
                    (Double) line.get("dispatcherCpuMsPerLease"),
                    (Double) line.get("postgresCpuMsPerLease"),
                    (Double) line.get("loadAverageBefore")));
        }
        return table.toString();
    }
}
