package dev.forgeline.support.background;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class BackgroundWorkTest {

    @Test
    void threadsAreNamedDaemonsAndAllStopWithTheApplication() throws Exception {
        BackgroundWork background = new BackgroundWork();
        List<Thread> seen = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(4);

        // a loop that only ends when interrupted, as a careless owner's would
        BackgroundWork.Loop loop = background.loop("test-loop", () -> {
            seen.add(Thread.currentThread());
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ExecutorService pool = background.pool("test-pool", 2);
        for (int i = 0; i < 2; i++) {
            pool.execute(() -> {
                seen.add(Thread.currentThread());
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        ScheduledExecutorService timer = background.timer("test-timer");
        timer.schedule(
                () -> {
                    seen.add(Thread.currentThread());
                    started.countDown();
                },
                10,
                TimeUnit.MILLISECONDS);

        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen)
                .extracting(Thread::getName)
                .containsExactlyInAnyOrder("test-loop", "test-pool-1", "test-pool-2", "test-timer");
        assertThat(seen).allMatch(Thread::isDaemon);

        background.stopAll();

        assertThat(loop.isAlive()).isFalse();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(timer.isTerminated()).isTrue();
        assertThat(seen).noneMatch(Thread::isAlive);
    }

    @Test
    void aLoopThatEndsIsSeenToEnd() {
        BackgroundWork background = new BackgroundWork();
        CountDownLatch release = new CountDownLatch(1);
        BackgroundWork.Loop loop = background.loop("short-loop", () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(loop.awaitEnd(Duration.ofMillis(50))).isFalse();
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> loop.awaitEnd(Duration.ofMillis(100)));
        background.stopAll();
    }
}
