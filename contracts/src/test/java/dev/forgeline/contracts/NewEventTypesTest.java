package dev.forgeline.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.BreakerChanged;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.DependencySummary;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.PreviousAttempt;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskStateChanged;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NewEventTypesTest {
    private static final Instant AT = Instant.parse("2026-11-21T10:00:00Z");

    static TaskReady scoredTask() {
        return new TaskReady(
                "s1",
                "demo",
                "T3",
                "Fix",
                "Fix the parser",
                List.of("parses"),
                "sh t.sh",
                600,
                List.of("T1"),
                "/repo",
                "main",
                2,
                Map.of("os", "linux"),
                "claude-code",
                3,
                SpecQuality.MODERATE,
                64,
                List.of("src/parse.sh"),
                "T1",
                ProposalOrigin.REVERT_FIX,
                List.of(new DependencySummary("T1", "Base", "abc123", List.of("src/base.sh"), "adds base")));
    }

    static Stream<Arguments> everyNewPayload() {
        UUID id = UUID.randomUUID();
        return Stream.of(
                Arguments.of(EventType.TASK_READY, scoredTask()),
                Arguments.of(
                        EventType.TASK_LEASED,
                        new TaskLeased(
                                id,
                                "n1",
                                7,
                                2,
                                AT,
                                AT.plusSeconds(900),
                                10,
                                scoredTask(),
                                "claude-code-large",
                                new PreviousAttempt(1, FailureClass.TEST_FAILURE, "1 failed", "FAIL: parse", null))),
                Arguments.of(
                        EventType.TASK_STATE_CHANGED,
                        new TaskStateChanged(
                                "s1",
                                "T3",
                                TaskState.FAILED,
                                3,
                                "n1",
                                9,
                                FailureClass.CONTEXT_EXHAUSTED,
                                "no retry left",
                                true)),
                Arguments.of(
                        EventType.REVIEW_OUTCOME,
                        new ReviewOutcome(
                                "s1",
                                "T3",
                                1,
                                7,
                                TaskState.FAILED,
                                2,
                                List.of("api surface"),
                                "/repo",
                                "b",
                                null,
                                0,
                                FailureClass.CHANGES_REQUESTED,
                                "ana",
                                "add a test",
                                AT,
                                AT.plusSeconds(60))),
                Arguments.of(
                        EventType.LEASE_REVOKED,
                        new LeaseRevoked(id, "n1", "s1", "T3", 7, 1, FailureClass.TIMEOUT, "1.5 x estimate", AT)),
                Arguments.of(
                        EventType.NODE_HEARTBEAT,
                        new NodeHeartbeat(
                                "n1",
                                "LAPTOP",
                                "i-1",
                                Map.of("os", "linux"),
                                List.of("claude-code"),
                                3,
                                List.of(id),
                                AT)),
                Arguments.of(
                        EventType.TASK_COMMAND,
                        new TaskCommand("s1", "T3", TaskCommandKind.CANCEL, 2, "removed in revision 2")),
                Arguments.of(
                        EventType.TASK_PROPOSED,
                        new TaskProposal(
                                id,
                                "s1",
                                "T3",
                                ProposalOrigin.AGENT,
                                "Add docs",
                                "Document it.\nTest command: sh t.sh",
                                List.of("README.md"),
                                "agent",
                                null)),
                Arguments.of(
                        EventType.DECISION_RECORDED,
                        new DecisionRecorded(
                                id,
                                "s1",
                                "T3",
                                DecisionKind.SPEC_QUALITY,
                                0,
                                AT,
                                AT.plusSeconds(3600),
                                "ana",
                                "AMENDED",
                                "payments")),
                Arguments.of(
                        EventType.BUDGET_ALERT,
                        new BudgetAlert(
                                "DAY",
                                null,
                                LocalDate.of(2026, 11, 21),
                                80,
                                new BigDecimal("8.00"),
                                new BigDecimal("10.00"),
                                AT)),
                Arguments.of(EventType.REVIEW_BACKLOG, new ReviewBacklog(25, 31, 20, true, "25 > 20", AT)),
                Arguments.of(
                        EventType.BREAKER_CHANGED,
                        new BreakerChanged(
                                "PROFILE",
                                "codex",
                                BreakerState.CLOSED,
                                BreakerState.OPEN,
                                12,
                                20,
                                "60% of 20 failed",
                                AT)));
    }

    @ParameterizedTest
    @MethodSource("everyNewPayload")
    void everyPayloadSurvivesTheWireOnItsTopic(EventType type, Object payload) {
        Envelope received = EventCodec.decode(EventCodec.encode(Envelope.of(type, "s1", "T3", payload, Map.of())));

        assertThat(received.eventType()).isEqualTo(type);
        assertThat(received.payloadAs(type.payloadType())).isEqualTo(payload);
        assertThat(Topics.ALL).contains(type.topic());
    }

    @org.junit.jupiter.api.Test
    void olderProducersWithoutTheNewFieldsStillDecode() {
        String json = "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"task.ready\",\"schemaVersion\":1,"
                + "\"occurredAt\":\"2026-11-21T10:00:00Z\",\"specId\":\"s1\",\"taskId\":\"T1\",\"payload\":{"
                + "\"specId\":\"s1\",\"taskId\":\"T1\",\"title\":\"t\",\"testCommand\":\"true\",\"estimateSeconds\":60}}";

        TaskReady task = EventCodec.decode(json).payloadAs(TaskReady.class);

        assertThat(task.files()).isEmpty();
        assertThat(task.qualityClass()).isNull();
        assertThat(task.revision()).isZero();
        assertThat(new AgentUsage("p", "a", "m", 1, 2, 0, BigDecimal.ONE).provider())
                .isNull();
    }
}
