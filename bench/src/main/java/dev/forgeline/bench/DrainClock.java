package dev.forgeline.bench;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the executions of the no-op jobs of a child run: first and last execution time, and when all ran. A job
 * that carries its submit time also records submit -> start, once measuring has begun (after the warm-up).
 */
public final class DrainClock {
    private static final AtomicInteger EXECUTED = new AtomicInteger();
    private static final AtomicLong FIRST = new AtomicLong(Long.MAX_VALUE);
    private static final AtomicLong LAST = new AtomicLong();
    private static final ConcurrentLinkedQueue<Long> LATENCIES = new ConcurrentLinkedQueue<>();
    private static volatile long measureFromMicros = Long.MAX_VALUE;
    private static volatile CountDownLatch all = new CountDownLatch(1);
    private static volatile int expected = 1;

    private DrainClock() {}

    static void expect(int n) {
        expected = n;
        all = new CountDownLatch(1);
    }

    /** Jobs submitted from this time on count in the latencies. */
    static void measureFrom(long epochMicros) {
        measureFromMicros = epochMicros;
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

    /** Called by each job of a steady-rate run as it starts, with the time it was submitted (epoch microseconds). */
    public static void started(long submittedMicros) {
        long now = BenchSupport.nowMicros();
        if (submittedMicros >= measureFromMicros) {
            LATENCIES.add(now - submittedMicros);
        }
        executed();
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

    static List<Long> latenciesMicros() {
        return List.copyOf(LATENCIES);
    }
}
