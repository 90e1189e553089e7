package dev.forgeline.planner.messaging;

import static dev.forgeline.planner.SpecFixtures.createThreeTaskSpec;
import static dev.forgeline.planner.SpecFixtures.stateOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.support.inbox.InboundEvents;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * A consumer whose transaction fails (here: a lock it needs is held past the test profile's 500 ms lock
 * timeout, as during a database restart or a long lock) does not lose the event: it is retried in a new
 * transaction and applied exactly once.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class TransientFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    AgroalDataSource dataSource;

    @Inject
    InboundEvents inboundEvents;

    @Test
    void anEventWhoseTransactionFailsIsRetriedAndAppliedOnce() throws Exception {
        String spec = createThreeTaskSpec(GitFixture.repository(
                        Files.createTempDirectory("transient-failure-test").resolve("repo"))
                .toString());
        long retriesBefore = inboundEvents.retries();
        Envelope leased;
        try (TestKafka kafka = TestKafka.forApplication();
                Connection blocker = dataSource.getConnection()) {
            blocker.setAutoCommit(false);
            try (PreparedStatement lock = blocker.prepareStatement(
                    "SELECT 1 FROM spec s JOIN task t ON t.spec_id = s.id WHERE s.id = ? FOR UPDATE")) {
                lock.setString(1, spec);
                lock.executeQuery().close();
            }
            leased = kafka.publish(
                    EventType.TASK_STATE_CHANGED,
                    spec,
                    "T1",
                    spec,
                    new TaskStateChanged(spec, "T1", TaskState.LEASED, 1, "node-a", 7L, null, null));

            await().atMost(WAIT).until(() -> inboundEvents.retries() > retriesBefore);
            assertThat(stateOf(spec, "T1")).isEqualTo("READY");
            blocker.rollback();
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(spec, "T1")).isEqualTo("LEASED"));
        try (Connection c = dataSource.getConnection();
                PreparedStatement count =
                        c.prepareStatement("SELECT count(*) FROM processed_event WHERE event_id = ?")) {
            count.setObject(1, leased.eventId());
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1))
                        .as("times the event was recorded as applied")
                        .isEqualTo(1);
            }
        }
    }
}
