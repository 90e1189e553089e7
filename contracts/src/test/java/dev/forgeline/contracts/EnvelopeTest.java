package dev.forgeline.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

    private static TaskReady task() {
        return new TaskReady(
                "spec-1",
                "demo",
                "T2",
                "Add slugify",
                "Turn titles into slugs",
                List.of("lowercase"),
                "sh test/slugify_test.sh",
                300,
                List.of("T1"),
                "/repo",
                "main",
                0,
                Map.of("os", "linux"),
                null);
    }

    @Test
    void roundTripKeepsEveryFieldIncludingFencingTokenFailureClassAndCost() {
        TaskResult result = new TaskResult(
                UUID.randomUUID(),
                "spec-1",
                "T2",
                "node-a",
                42L,
                2,
                false,
                FailureClass.TEST_FAILURE,
                "1 test failed",
                "/repo",
                "main",
                "forgeline/spec-1/T2/a2",
                "abc",
                "def",
                new DiffStats(2, 30, 4, List.of("a.sh", "b.sh")),
                new TestOutcome("sh t.sh", true, false, 1, 120, "FAIL"),
                new AgentUsage("default", "command", "m", 100, 50, 0, new BigDecimal("0.0123")),
                900,
                Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:01Z"));
        Envelope sent = Envelope.of(
                EventType.TASK_RESULT,
                "spec-1",
                "T2",
                result,
                Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        Envelope received = EventCodec.decode(EventCodec.encode(sent));

        assertThat(received.eventId()).isEqualTo(sent.eventId());
        assertThat(received.eventType()).isEqualTo(EventType.TASK_RESULT);
        assertThat(received.schemaVersion()).isEqualTo(1);
        assertThat(received.traceContext())
                .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(received.payloadAs(TaskResult.class)).isEqualTo(result);
    }

    @Test
    void aTaskReadyWithoutAProjectFromAnOlderProducerIsOfTheDefaultProject() {
        String json = EventCodec.encode(Envelope.of(EventType.TASK_READY, "spec-1", "T2", task(), Map.of()))
                .replace("\"project\":\"default\",", "")
                .replace(",\"project\":\"default\"", "");
        assertThat(json).doesNotContain("project");

        TaskReady received = EventCodec.decode(json).payloadAs(TaskReady.class);

        assertThat(received.project()).isEqualTo(Projects.DEFAULT);
        TaskReady scoped = new TaskReady(
                "s", "n", "T", "t", "d", List.of(), "c", 1, List.of(), "/r", "main", 0, Map.of(), null, 1, null, 0,
                List.of(), null, null, List.of(), Map.of(), "shop");
        assertThat(EventCodec.decode(EventCodec.encode(Envelope.of(EventType.TASK_READY, "s", "T", scoped, Map.of())))
                        .payloadAs(TaskReady.class)
                        .project())
                .isEqualTo("shop");
    }

    @Test
    void theSubmitterTravelsOnTaskReadyAndTaskResultAndIsUnknownWhenAnOlderProducerLeftItOut() {
        TaskReady submitted = task().withSubmittedBy("ana");
        TaskReady ready = EventCodec.decode(
                        EventCodec.encode(Envelope.of(EventType.TASK_READY, "spec-1", "T2", submitted, Map.of())))
                .payloadAs(TaskReady.class);
        assertThat(ready.submittedBy()).isEqualTo("ana");
        assertThat(ready).isEqualTo(submitted);

        String older = EventCodec.encode(Envelope.of(EventType.TASK_READY, "spec-1", "T2", submitted, Map.of()))
                .replace(",\"submittedBy\":\"ana\"", "")
                .replace("\"submittedBy\":\"ana\",", "");
        assertThat(older).doesNotContain("submittedBy");
        assertThat(EventCodec.decode(older).payloadAs(TaskReady.class).submittedBy())
                .isNull();

        TaskResult result = new TaskResult(
                UUID.randomUUID(),
                "spec-1",
                "T2",
                "node-1",
                7,
                1,
                true,
                null,
                null,
                "/r",
                "main",
                "b",
                "base",
                "c",
                null,
                null,
                null,
                1,
                Instant.EPOCH,
                Instant.EPOCH,
                List.of(),
                null,
                "shop",
                "ana");
        TaskResult received = EventCodec.decode(
                        EventCodec.encode(Envelope.of(EventType.TASK_RESULT, "spec-1", "T2", result, Map.of())))
                .payloadAs(TaskResult.class);
        assertThat(received.submittedBy()).isEqualTo("ana");
        String olderResult = EventCodec.encode(Envelope.of(EventType.TASK_RESULT, "spec-1", "T2", result, Map.of()))
                .replace(",\"submittedBy\":\"ana\"", "")
                .replace("\"submittedBy\":\"ana\",", "");
        assertThat(olderResult).doesNotContain("submittedBy");
        assertThat(EventCodec.decode(olderResult).payloadAs(TaskResult.class).submittedBy())
                .isNull();
    }

    @Test
    void unknownFieldsFromNewerProducersAreIgnored() {
        Envelope sent = Envelope.of(EventType.TASK_READY, "spec-1", "T2", task(), Map.of());
        String json = EventCodec.encode(sent)
                .replace("\"type\":", "\"addedLater\":{\"x\":1},\"type\":")
                .replace("\"title\":", "\"newPayloadField\":true,\"title\":");

        Envelope received = EventCodec.decode(json);

        assertThat(received.payloadAs(TaskReady.class)).isEqualTo(task());
    }

    @Test
    void aPayloadOfTheWrongTypeIsRefused() {
        assertThatThrownBy(() -> Envelope.of(EventType.TASK_RESULT, "s", "t", task(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TaskResult");
        Envelope ready = Envelope.of(EventType.TASK_READY, "s", "t", task(), Map.of());
        assertThatThrownBy(() -> ready.payloadAs(TaskResult.class)).hasMessageContaining("task.ready");
    }

    @Test
    void garbageIsRejectedWithTheReason() {
        assertThatThrownBy(() -> EventCodec.decode("{not json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a Forgeline event envelope");
        assertThatThrownBy(
                        () -> EventCodec.decode("{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"task.ready\"}"))
                .hasMessageContaining("no payload");
    }
}
