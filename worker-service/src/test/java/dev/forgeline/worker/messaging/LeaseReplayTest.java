package dev.forgeline.worker.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class LeaseReplayTest {

    @Test
    void theReplayEndsWithTheFirstPageThatLeavesNothingWaitingAndNotBefore() {
        AtomicInteger caughtUp = new AtomicInteger();
        LeaseReplay replay = new LeaseReplay(caughtUp::incrementAndGet);

        replay.pageRead(100, true);
        replay.pageRead(100, true);
        assertThat(caughtUp).hasValue(0);
        assertThat(replay.caughtUp()).isFalse();

        replay.pageRead(3, false);
        assertThat(caughtUp).hasValue(1);
        assertThat(replay.caughtUp()).isTrue();

        // later pages, full or not, change nothing
        replay.pageRead(100, true);
        replay.pageRead(0, false);
        assertThat(caughtUp).hasValue(1);
    }

    @Test
    void aWorkerThatStartsWithNothingToReplayIsCaughtUpAtItsFirstPage() {
        AtomicInteger caughtUp = new AtomicInteger();
        LeaseReplay replay = new LeaseReplay(caughtUp::incrementAndGet);
        replay.pageRead(0, false);
        assertThat(caughtUp).hasValue(1);
    }
}
