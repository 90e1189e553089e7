package dev.forgeline.planner.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.outbox.OutboxRelay;
import dev.forgeline.support.outbox.ParkedOutboxEvents;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The planner's outbox on the real broker: an event larger than the producer's {@code max.request.size} (1 MiB)
 * is refused for good; it is parked with the error, and the events after it, of the same key too, are delivered.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class OutboxParkingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Outbox outbox;

    @Inject
    OutboxRelay relay;

    @Inject
    ParkedOutboxEvents parkedEvents;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void anEventTheBrokerRefusesIsParkedAndTheEventsAfterItAreDelivered() throws Exception {
        String spec = "outbox-parking-" + UUID.randomUUID();
        String key = spec + "/T1";
        long parkedBefore = relay.parkedCount();
        QuarkusTransaction.requiringNew().run(() -> {
            outbox.append(EventType.TASK_COMMAND, spec, "T1", key, command(spec, 1, "x".repeat(1_100_000)));
            outbox.append(EventType.TASK_COMMAND, spec, "T1", key, command(spec, 2, "after the large one"));
        });
        try (TestKafka kafka = TestKafka.forApplication()) {
            Envelope delivered = kafka.await(Topics.TASKS_COMMANDS, e -> spec.equals(e.specId()), 1, WAIT)
                    .get(0);
            assertThat(delivered.payloadAs(TaskCommand.class).revision()).isEqualTo(2);

            ParkedOutboxEvents.Parked parked = await().atMost(WAIT).until(() -> parkedOf(key), p -> p != null);
            assertThat(parked.topic()).isEqualTo(Topics.TASKS_COMMANDS);
            assertThat(parked.envelopeBytes()).isGreaterThan(1_100_000);
            assertThat(parked.error()).startsWith("RecordTooLargeException").contains("max.request.size");
            assertThat(relay.parkedCount()).isEqualTo(parkedBefore + 1);

            // an operator's retry hands it back; the broker still refuses it, so it is parked again
            assertThat(parkedEvents.retry(List.of(parked.seq()))).isEqualTo(1);
            await().atMost(WAIT).until(() -> relay.parkedCount() == parkedBefore + 2);
            ParkedOutboxEvents.Parked again = parkedOf(key);
            assertThat(again.seq()).isEqualTo(parked.seq());
            assertThat(again.parkedAt()).isAfter(parked.parkedAt());

            // and the relay still goes on with new events
            QuarkusTransaction.requiringNew()
                    .run(() -> outbox.append(
                            EventType.TASK_COMMAND, spec, "T1", key, command(spec, 3, "after the retry")));
            kafka.await(
                    Topics.TASKS_COMMANDS,
                    e -> spec.equals(e.specId())
                            && e.payloadAs(TaskCommand.class).revision() == 3,
                    1,
                    WAIT);
            assertThat(kafka.readAll(Topics.TASKS_COMMANDS, Duration.ofSeconds(1)).stream()
                            .filter(e -> spec.equals(e.specId()))
                            .map(e -> e.payloadAs(TaskCommand.class).revision()))
                    .containsExactly(2, 3);
        } finally {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement delete = c.prepareStatement("DELETE FROM outbox_event WHERE record_key = ?")) {
                delete.setString(1, key);
                delete.executeUpdate();
            }
        }
    }

    private ParkedOutboxEvents.Parked parkedOf(String key) {
        return parkedEvents.list().stream()
                .filter(p -> key.equals(p.key()))
                .findFirst()
                .orElse(null);
    }

    private static TaskCommand command(String spec, int revision, String reason) {
        return new TaskCommand(spec, "T1", TaskCommandKind.SUPERSEDE, revision, reason);
    }
}
