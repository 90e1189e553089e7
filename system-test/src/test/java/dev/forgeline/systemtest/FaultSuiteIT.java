package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.Topics;
import dev.forgeline.embedded.KafkaProcess;
import dev.forgeline.stack.LocalStack;
import dev.forgeline.stack.ServiceKind;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults on the real packaged services as processes, on a broker and a database that run as processes of their
 * own. Each scenario submits a small spec (two independent tasks and one depending on both), injects one fault
 * while an agent is running, waits until every task is merged and then runs the {@link HistoryChecker}. It prints
 * the attempts each task used and the recovery time (from the fault to the last task merged).
 *
 * <p>The agent is the {@code command} adapter running {@code sleep} before writing a file, so that a fault lands
 * mid-task and a killed worker leaves a real process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path HOME = ScratchFiles.HOME;
    private static final Path WORK = HOME.resolve("system-test/target/fault-suite");
    private static final Duration AGENT_WORK = Duration.ofSeconds(5);
    private static final Duration ALL_MERGED_WITHIN = Duration.ofMinutes(3);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static LocalStack stack;
    private static HistoryChecker checker;
    private static final List<String> FIGURES = new ArrayList<>();

    @BeforeAll
    static void startStack() throws IOException {
        deleteRecursively(WORK);
        Map<String, String> env = Map.of(
                // the agent works long enough to be killed mid-task; its sleep is a real process of the attempt
                "FORGELINE_WORKER_AGENT_COMMAND",
                "sleep " + AGENT_WORK.toSeconds() + " && cat > agent-$$-$(date +%s%N).txt",
                // five JVMs and a broker starting at once on a shared CI machine can keep a first connection waiting
                // longer than the 5 s default (seen: Flyway's at start-up)
                "QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT",
                "20S");
        long started = System.nanoTime();
        stack = LocalStack.start(
                new LocalStack.Options(HOME, WORK, false, "fault-worker", 2, "command", env)
                        .withRestartableInfrastructure(),
                message -> System.out.println("[fault suite] " + message));
        System.out.printf("[fault suite] stack ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
        checker = new HistoryChecker(
                stack.adminToken(),
                stack.url(ServiceKind.PLANNER),
                stack.url(ServiceKind.DISPATCHER),
                WORK.resolve("worker"));
    }

    @AfterAll
    static void stopStack() {
        FIGURES.forEach(f -> System.out.println("[fault suite] " + f));
        if (stack != null) {
            stack.close();
        }
    }

    /** Target: a dispatcher restart costs no attempt (attempts running on the worker complete on their lease). */
    @Test
    @Order(1)
    void aDispatcherKilledMidRunAndRestartedCostsNoAttempt() throws Exception {
        HistoryChecker.Report report = scenario("dispatcher-kill", specId -> {
            stack.process(ServiceKind.DISPATCHER).kill();
            stack.restart(ServiceKind.DISPATCHER);
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isEqualTo(1));
    }

    /** The broker killed (SIGKILL) with attempts running and restarted on its log directory: nothing lost. */
    @Test
    @Order(2)
    void aBrokerKilledMidRunAndRestartedLosesNoCompletion() throws Exception {
        HistoryChecker.Report report = scenario("broker-kill", specId -> {
            stack.kafkaProcess().kill();
            stack.kafkaProcess().restart();
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /** PostgreSQL's postmaster killed (SIGKILL) with attempts running and restarted on its data: nothing lost. */
    @Test
    @Order(3)
    void aDatabaseKilledMidRunAndRestartedLosesNoCompletion() throws Exception {
        HistoryChecker.Report report = scenario("postgres-kill", specId -> {
            stack.postgresProcess().kill();
            stack.postgresProcess().restart();
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /**
     * Target: a worker killed mid-task (SIGKILL) and restarted completes its tasks on at most one extra attempt, and
     * no process of the killed worker is alive once the restarted one is ready.
     */
    @Test
    @Order(4)
    void aWorkerKilledMidTaskAndRestartedUsesAtMostOneExtraAttemptAndLeavesNoProcess() throws Exception {
        List<Long> leftBehind = new ArrayList<>();
        long[] cleanedMillis = new long[1];
        HistoryChecker.Report report = scenario("worker-kill", specId -> {
            List<ProcessHandle> agents = processesInTheWorkspace();
            assertThat(agents).as("agents running when the worker is killed").isNotEmpty();
            boolean sandboxed = workerSandboxed();
            stack.process(ServiceKind.WORKER).kill();
            if (sandboxed) {
                // bubblewrap dies with its worker (--die-with-parent), and with it every process of its pid namespace
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50))
                        .untilAsserted(() -> assertThat(agents.stream().filter(ProcessHandle::isAlive))
                                .as("sandboxed agents after the SIGKILL of their worker")
                                .isEmpty());
            } else {
                assertThat(agents.stream().filter(ProcessHandle::isAlive))
                        .as("the agents outlive the SIGKILL of their worker (sessions of their own)")
                        .isNotEmpty();
            }
            FIGURES.add("worker-kill: agents " + (sandboxed ? "sandboxed (bubblewrap)" : "not sandboxed"));
            agents.forEach(a -> leftBehind.add(a.pid()));
            long restarted = System.nanoTime();
            stack.restart(ServiceKind.WORKER);
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(agents.stream().filter(ProcessHandle::isAlive))
                            .as("processes of the killed worker")
                            .isEmpty());
            cleanedMillis[0] = (System.nanoTime() - restarted) / 1_000_000;
        });
        FIGURES.add("worker-kill: the killed worker's processes " + leftBehind + " were gone " + cleanedMillis[0]
                + " ms after the restart began");
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /**
     * Planner, review and metrics killed (SIGKILL) mid-run and restarted: their consumers resume from committed
     * offsets; the run completes without an extra attempt.
     */
    @Test
    @Order(5)
    void plannerReviewAndMetricsKilledMidRunAndRestartedCostNoAttempt() throws Exception {
        HistoryChecker.Report report = scenario("planner-review-metrics-kill", specId -> {
            for (ServiceKind kind : List.of(ServiceKind.PLANNER, ServiceKind.REVIEW, ServiceKind.METRICS)) {
                stack.process(kind).kill();
            }
            stack.restart(ServiceKind.PLANNER, ServiceKind.REVIEW, ServiceKind.METRICS);
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isEqualTo(1));
    }

    /**
     * Target: a worker frozen (SIGSTOP) past its leases' silence window, so that the dispatcher orphans them, then let
     * run again (SIGCONT), completes its tasks on at most one extra attempt; the late results of the orphaned leases
     * are not applied, and no process of the frozen attempts is left.
     */
    @Test
    @Order(6)
    void aWorkerSuspendedPastItsLeasesAndResumedUsesAtMostOneExtraAttemptAndLeavesNoProcess() throws Exception {
        HistoryChecker.Report report = scenario("worker-sigstop", specId -> {
            stack.process(ServiceKind.WORKER).suspend();
            try {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(() -> leaseOutcomes(specId).contains("ORPHANED"));
            } finally {
                stack.process(ServiceKind.WORKER).resume();
            }
        });
        assertThat(report.tasks().stream().flatMap(t -> t.leaseOutcomes().stream()))
                .as("the dispatcher orphaned the frozen worker's leases")
                .contains("ORPHANED");
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
    }

    /**
     * Target: records delivered again and out of order cost nothing. While T1 and T2 run, every record of the run so
     * far on the pipeline topics is published a second time, in shuffled order (same partition, key, payload,
     * headers and timestamp); once everything is merged, every original record of the run is published again the
     * same way, and the history is checked once more after every consumer group has read past the copies: no task
     * completed twice, one merge per task, no extra attempt.
     */
    @Test
    @Order(7)
    void deliveriesDuplicatedAndReorderedCompleteNoTaskTwiceAndCostNoAttempt() throws Exception {
        long runStartedMillis = System.currentTimeMillis();
        Set<String> copies = ConcurrentHashMap.newKeySet();
        int[] replayed = new int[2];
        HistoryChecker.Report report = scenario("duplicates", specId -> {
            replayed[0] = republishShuffled(runStartedMillis, copies);
            awaitConsumerGroupsPast(REPLAYED_TOPICS);
        });
        assertThat(report.attemptsByTask())
                .as(report.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isEqualTo(1));

        long replayedAt = System.nanoTime();
        replayed[1] = republishShuffled(runStartedMillis, copies);
        awaitConsumerGroupsPast(REPLAYED_TOPICS);
        long consumedAt = System.nanoTime();
        assertThat(plannerStates(report.specId())).containsOnly("MERGED");
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> checker.processesLeftInTheWorkspace().isEmpty());
        HistoryChecker.Report after =
                checker.check(report.specId(), WORK.resolve("repos").resolve("duplicates"), "MERGED");
        FIGURES.add(String.format(
                "duplicates: %d records republished shuffled mid-run, %d after the merge (every consumer group past"
                        + " them %.1f s later); attempts after the copies %s",
                replayed[0], replayed[1], (consumedAt - replayedAt) / 1e9, after.attemptsByTask()));
        assertThat(after.violations()).as(after.describe()).isEmpty();
        assertThat(after.attemptsByTask())
                .as(after.describe())
                .allSatisfy((task, attempts) -> assertThat(attempts).isEqualTo(1));
        assertThat(replayed[0]).as("records republished mid-run").isPositive();
        assertThat(replayed[1]).as("records republished after the merge").isGreaterThan(replayed[0]);
    }

    /**
     * Target: a worker that reaches the broker and the dispatcher only over a slow, lossy link (100-300 ms per chunk
     * each way, connections reset by chance and all of them cut every 4 s) completes its tasks; the history holds.
     * The worker is restarted bootstrapped at a {@link TcpProxy} in front of the broker's relay listener (which
     * advertises the proxy's port, so every connection of the worker's Kafka clients goes through it) and with the
     * dispatcher's URL at a second proxy (lease feed, registration, acknowledgements). Runs last: the worker stays
     * behind the proxies.
     */
    @Test
    @Order(8)
    void aWorkerBehindASlowLossyLinkCompletesItsTasksAndTheHistoryHolds() throws Exception {
        KafkaProcess.RelayListener relay = stack.kafkaProcess().relayListener();
        try (TcpProxy toBroker = TcpProxy.start(relay.advertisedPort(), "localhost", relay.port());
                TcpProxy toDispatcher = TcpProxy.start(
                        0, "localhost", stack.url(ServiceKind.DISPATCHER).getPort())) {
            stack.process(ServiceKind.WORKER).close();
            stack.restart(
                    ServiceKind.WORKER,
                    Map.of(
                            "KAFKA_BOOTSTRAP_SERVERS",
                            relay.bootstrapServers(),
                            "FORGELINE_WORKER_DISPATCHER_URL",
                            "http://localhost:" + toDispatcher.port()));
            ScheduledExecutorService cutter = Executors.newSingleThreadScheduledExecutor();
            HistoryChecker.Report report;
            try {
                for (TcpProxy proxy : List.of(toBroker, toDispatcher)) {
                    proxy.latency(Duration.ofMillis(100), Duration.ofMillis(300))
                            .resetProbability(0.01);
                }
                cutter.scheduleAtFixedRate(
                        () -> {
                            toBroker.cutAll();
                            toDispatcher.cutAll();
                        },
                        4,
                        4,
                        TimeUnit.SECONDS);
                report = scenario("lossy-link", specId -> {
                    // with agents running, every connection of the worker is reset at once
                    toBroker.cutAll();
                    toDispatcher.cutAll();
                });
            } finally {
                cutter.shutdownNow();
            }
            FIGURES.add(String.format(
                    "lossy-link: %d resets on the broker link (%d connections), %d on the dispatcher link (%d)",
                    toBroker.injectedResets(),
                    toBroker.connectionsAccepted(),
                    toDispatcher.injectedResets(),
                    toDispatcher.connectionsAccepted()));
            // connections open through each proxy when it cut them: the worker's clients did not go around it
            assertThat(toBroker.injectedResets())
                    .as("worker connections the broker's proxy reset during the run")
                    .isGreaterThanOrEqualTo(2);
            assertThat(toDispatcher.injectedResets())
                    .as("worker connections the dispatcher's proxy reset during the run")
                    .isGreaterThanOrEqualTo(2);
            assertThat(report.attemptsByTask())
                    .as(report.describe())
                    .allSatisfy((task, attempts) -> assertThat(attempts).isLessThanOrEqualTo(2));
        }
    }

    /** The pipeline topics whose records the duplicates scenario publishes again. */
    private static final List<String> REPLAYED_TOPICS = List.of(
            Topics.TASKS_READY,
            Topics.TASKS_RESULTS,
            Topics.TASKS_LIFECYCLE,
            Topics.WORKER_HEARTBEATS,
            Topics.TASKS_PROPOSALS,
            Topics.REVIEW_OUTCOMES);

    /**
     * Publishes every record written to {@link #REPLAYED_TOPICS} since {@code sinceMillis} again, all topics mixed
     * in one shuffled order, each to its own partition with its key, value, headers and timestamp; skips the copies
     * published before (their positions are in {@code copies}, to which this adds). Returns how many.
     */
    private static int republishShuffled(long sinceMillis, Set<String> copies) throws Exception {
        List<ConsumerRecord<byte[], byte[]>> originals = new ArrayList<>();
        Map<String, Object> consumerConfig = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : REPLAYED_TOPICS) {
                consumer.partitionsFor(topic, Duration.ofSeconds(10))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            Map<TopicPartition, Long> since = new HashMap<>();
            partitions.forEach(p -> since.put(p, sinceMillis));
            consumer.offsetsForTimes(since, Duration.ofSeconds(10)).forEach((partition, found) -> {
                consumer.seek(partition, found == null ? ends.get(partition) : found.offset());
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime())
                        .as("read the run's records within 30 s")
                        .isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))
                            && !copies.contains(position(record.topic(), record.partition(), record.offset()))) {
                        originals.add(record);
                    }
                }
            }
        }
        long seed = System.nanoTime();
        Collections.shuffle(originals, new Random(seed));
        System.out.printf(
                "[fault suite] republishing %d records in shuffled order (seed %d)%n", originals.size(), seed);
        Map<String, Object> producerConfig = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                // one record at a time, so that the shuffled order is the order on each partition
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig)) {
            for (ConsumerRecord<byte[], byte[]> record : originals) {
                RecordMetadata sent = producer.send(new ProducerRecord<>(
                                record.topic(),
                                record.partition(),
                                record.timestamp(),
                                record.key(),
                                record.value(),
                                record.headers()))
                        .get(10, TimeUnit.SECONDS);
                copies.add(position(sent.topic(), sent.partition(), sent.offset()));
            }
        }
        return originals.size();
    }

    private static String position(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /**
     * Waits until every consumer group with members has committed, on each partition of {@code topics} assigned to
     * it, an offset at the partition's end: it has processed every record published there so far.
     */
    private static void awaitConsumerGroupsPast(List<String> topics) throws Exception {
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers()))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (var description : admin.describeTopics(topics)
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .values()) {
                description
                        .partitions()
                        .forEach(p -> partitions.add(new TopicPartition(description.name(), p.partition())));
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((p, info) -> ends.put(p, info.offset()));
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(partitionsBehind(admin, ends))
                            .as("partitions a consumer group has not read to the end")
                            .isEmpty());
        }
    }

    /** {@code group topic-partition committed/end} for each assigned partition whose committed offset is short. */
    private static List<String> partitionsBehind(Admin admin, Map<TopicPartition, Long> ends) throws Exception {
        List<String> behind = new ArrayList<>();
        List<String> groups = admin.listConsumerGroups().all().get(10, TimeUnit.SECONDS).stream()
                .map(g -> g.groupId())
                .toList();
        for (var group : admin.describeConsumerGroups(groups)
                .all()
                .get(10, TimeUnit.SECONDS)
                .values()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group.groupId())
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            for (var member : group.members()) {
                for (TopicPartition partition : member.assignment().topicPartitions()) {
                    Long end = ends.get(partition);
                    OffsetAndMetadata offset = committed.get(partition);
                    // no offset committed: nothing read yet, which is all there is on an empty partition
                    long read = offset == null ? 0 : offset.offset();
                    if (end != null && read < end) {
                        behind.add(group.groupId() + " " + partition + " " + (offset == null ? "-" : offset.offset())
                                + "/" + end);
                    }
                }
            }
        }
        return behind;
    }

    /** The outcomes of every lease of the spec's tasks so far (OPEN for a lease not ended). */
    private static List<String> leaseOutcomes(String specId) throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (String task : List.of("T1", "T2", "T3")) {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(stack.url(ServiceKind.DISPATCHER).resolve("/tasks/" + specId + "/" + task))
                            .header("Authorization", "Bearer " + stack.adminToken())
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                for (JsonNode lease : JSON.readTree(response.body()).path("leases")) {
                    outcomes.add(
                            lease.path("outcome").isNull()
                                    ? "OPEN"
                                    : lease.path("outcome").asText());
                }
            }
        }
        return outcomes;
    }

    @FunctionalInterface
    interface Fault {
        void inject(String specId) throws Exception;
    }

    /**
     * Submits the scenario's spec, waits until an agent runs, injects the fault, waits until every task is merged and
     * checks the history; fails on any violation.
     */
    private static HistoryChecker.Report scenario(String name, Fault fault) throws Exception {
        Path repo = targetRepository(name);
        String specId = submit(spec(name), repo);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> processesInTheWorkspace().stream()
                        .anyMatch(p -> p.info().command().orElse("").endsWith("sleep")));
        long faultAt = System.nanoTime();
        fault.inject(specId);
        long recoveredAt = System.nanoTime();
        await().atMost(ALL_MERGED_WITHIN)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions() // a service may be restarting
                .untilAsserted(() -> assertThat(plannerStates(specId))
                        .as("task states of %s", specId)
                        .containsOnly("MERGED"));
        long mergedAt = System.nanoTime();
        // the last agent's test run may still be ending when the review merges: give it its moment
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> checker.processesLeftInTheWorkspace().isEmpty());
        HistoryChecker.Report report = checker.check(specId, repo, "MERGED");
        String figures = String.format(
                "%s: attempts %s; fault handled in %.1f s; all merged %.1f s after the fault",
                name, report.attemptsByTask(), (recoveredAt - faultAt) / 1e9, (mergedAt - faultAt) / 1e9);
        FIGURES.add(figures);
        System.out.println("[fault suite] " + figures + "\n" + report.describe());
        assertThat(report.violations()).as(report.describe()).isEmpty();
        return report;
    }

    /** Two independent tasks and one that depends on both; the agent writes a file, the test finds it. */
    private static String spec(String name) {
        StringBuilder spec = new StringBuilder("# Spec: Fault " + name + "\nBase-branch: main\n");
        for (String[] task :
                List.of(new String[] {"T1", "Notes", ""}, new String[] {"T2", "Changelog", ""}, new String[] {
                    "T3", "Summary", "Depends-on: T1, T2\n"
                })) {
            spec.append("\n## Task: ")
                    .append(task[0])
                    .append(" - ")
                    .append(task[1])
                    .append("\nWrite the ")
                    .append(task[1].toLowerCase())
                    .append(" file of the project.\n")
                    .append(task[2])
                    .append("Acceptance: an agent output file exists\n")
                    .append("Test command: ls agent-*.txt\n")
                    .append("Estimate: 2m\n");
        }
        return spec.toString();
    }

    private static String submit(String markdown, Path repo) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.PLANNER)
                                .resolve("/specs?repository="
                                        + java.net.URLEncoder.encode(
                                                repo.toString(), java.nio.charset.StandardCharsets.UTF_8)))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .header("Content-Type", "text/markdown")
                        .POST(HttpRequest.BodyPublishers.ofString(markdown))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).path("id").asText();
    }

    /** Whether the stack's worker runs agents under bubblewrap ({@code GET /worker}, {@code sandbox.sandboxed}). */
    private static boolean workerSandboxed() throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.WORKER).resolve("/worker"))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode sandbox = JSON.readTree(response.body()).path("sandbox");
        assertThat(sandbox.isObject()).as(response.body()).isTrue();
        return sandbox.path("sandboxed").asBoolean();
    }

    private static List<String> plannerStates(String specId) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(stack.url(ServiceKind.PLANNER).resolve("/specs/" + specId))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> states = new ArrayList<>();
        for (JsonNode task : JSON.readTree(response.body()).path("tasks")) {
            states.add(task.path("state").asText());
        }
        assertThat(states).isNotEmpty();
        return states;
    }

    /** Live processes working in the worker's workspace: agents and test commands of running attempts. */
    private static List<ProcessHandle> processesInTheWorkspace() {
        Path workspace = WORK.resolve("worker").toAbsolutePath().normalize();
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    if (Files.readSymbolicLink(proc.resolve("cwd")).startsWith(workspace)) {
                        ProcessHandle.of(Long.parseLong(proc.getFileName().toString()))
                                .ifPresent(found::add);
                    }
                } catch (IOException gone) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the process table", e);
        }
        return found;
    }

    private static Path targetRepository(String name) throws IOException {
        return ScratchFiles.targetRepository(WORK.resolve("repos").resolve(name), "fault suite target");
    }
}
