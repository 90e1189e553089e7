package dev.forgeline.support.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** Which broker refusals park an event and which are retried (the parking itself: OutboxParkingTest, planner). */
class OutboxRelayFailuresTest {

    @Test
    void refusalsThatSendingAgainCannotChangeAreParked() {
        assertThat(OutboxRelay.permanent(new RecordTooLargeException("too large")))
                .isTrue();
        assertThat(OutboxRelay.permanent(new InvalidTopicException("bad name"))).isTrue();
        assertThat(OutboxRelay.permanent(new TopicAuthorizationException("no ACL")))
                .isTrue();
        assertThat(OutboxRelay.permanent(new SerializationException("cannot serialise")))
                .isTrue();
    }

    @Test
    void outagesAndMovesAreRetried() {
        assertThat(OutboxRelay.permanent(new TimeoutException("broker away"))).isFalse();
        assertThat(OutboxRelay.permanent(new NetworkException("connection reset")))
                .isFalse();
        assertThat(OutboxRelay.permanent(new NotLeaderOrFollowerException("leader moved")))
                .isFalse();
        // a topic being created right now
        assertThat(OutboxRelay.permanent(new UnknownTopicOrPartitionException("not yet")))
                .isFalse();
        assertThat(OutboxRelay.permanent(new IllegalStateException("anything else")))
                .isFalse();
    }
}
