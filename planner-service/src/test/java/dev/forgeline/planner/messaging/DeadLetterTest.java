package dev.forgeline.planner.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import jakarta.inject.Inject;

import dev.forgeline.contracts.Topics;
import dev.forgeline.support.inbox.InboundEvents;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * A record the planner cannot apply goes to the planner's own dead-letter topic, the one its ACL row lets it write,
 * as it was, with the topic it came from in its headers, and is counted; it is never applied.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class DeadLetterTest {
    @Inject
    InboundEvents inboundEvents;

    @Test
    void aRecordThatIsNotAnEnvelopeIsDeadLetteredToThePlannersTopicAndCounted() {
        long before = inboundEvents.deadLettered();
        String key = "dead-letter-" + UUID.randomUUID() + "/T1";
        String value = "{\"not\": \"an envelope\", \"key\": \"" + key + "\"}";
        try (TestKafka kafka = TestKafka.forApplication()) {
            kafka.publishRaw(Topics.TASKS_LIFECYCLE, key, value);
            ConsumerRecord<String, String> dead =
                    kafka.awaitRecord(Topics.DEAD_LETTER_PLANNER, r -> key.equals(r.key()), Duration.ofSeconds(60));
            assertThat(dead.value()).isEqualTo(value);
            assertThat(header(dead, "dead-letter-topic")).isEqualTo(Topics.TASKS_LIFECYCLE);
            assertThat(header(dead, "dead-letter-reason")).contains("not a Forgeline event envelope");
        }
        assertThat(inboundEvents.deadLettered()).isGreaterThan(before);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
