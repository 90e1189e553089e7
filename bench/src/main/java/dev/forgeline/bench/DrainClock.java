package dev.forgeline.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the executions of the no-op jobs of a child run: first and last execution time, and when all ran. */
public final class DrainClock {
    private static final AtomicInteger EXECUTED = new AtomicInteger();
    private static final AtomicLong FIRST = new AtomicLong(Long.MAX_VALUE);
    private static final AtomicLong LAST = new AtomicLong();
    private static volatile CountDownLatch all = new CountDownLatch(1);
    private static volatile int expected = 1;

    private DrainClock() {}

    static void expect(int n) {
        expected = n;
        all = new CountDownLatch(1);
    }

    /** Called by each job as it runs. */
    public static void executed() {
        long now = System.currentTimeMillis();
        FIRST.accumulateAndGet(now, Math::min);
        LAST.accumulateAndGet(now, Math::max);
        if (EXECUTED.incrementAndGet() == expected) {
            all.countDown();
        }
    }

    static boolean awaitAll(long timeoutSeconds) throws InterruptedException {
        return all.await(timeoutSeconds, TimeUnit.SECONDS);
    }

    static int executedCount() {
        return EXECUTED.get();
    }

    static long firstMs() {
        return FIRST.get();
    }

    static long lastMs() {
        return LAST.get();
    }
}
