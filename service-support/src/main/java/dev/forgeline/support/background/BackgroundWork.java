package dev.forgeline.support.background;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * The one way a service runs work of its own in the background: long-running loops, pools and timers on named
 * daemon threads that log what escapes them and are stopped with the application. Owners stop their work gracefully
 * when the application shuts down (they observe {@code ShutdownEvent}); whatever still runs when the container
 * destroys its beans is interrupted here, so no thread outlives the application.
 *
 * <p>Work that fits a fixed schedule uses Quarkus's {@code @Scheduled} instead; work that answers a request or an
 * event runs on the thread that delivered it.
 */
@ApplicationScoped
public class BackgroundWork {
    private static final Logger LOG = Logger.getLogger(BackgroundWork.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final List<ExecutorService> executors = new CopyOnWriteArrayList<>();
    private final List<Loop> loops = new CopyOnWriteArrayList<>();

    /** A loop that runs {@code body} once, on a thread of its own named {@code name}; started at once. */
    public Loop loop(String name, Runnable body) {
        Loop loop = new Loop(threads(name, false).newThread(body));
        loops.add(loop);
        loop.thread.start();
        return loop;
    }

    /** A fixed pool of {@code threads} threads named {@code name-1}, {@code name-2}, ... */
    public ExecutorService pool(String name, int threads) {
        return register(Executors.newFixedThreadPool(Math.max(1, threads), threads(name, true)));
    }

    /** One thread that runs what it is given in order. */
    public ExecutorService serial(String name) {
        return register(Executors.newSingleThreadExecutor(threads(name, false)));
    }

    /**
     * One thread for delayed and periodic work. A periodic run that throws cancels the later ones (the JDK's rule):
     * periodic bodies catch what they can recover from.
     */
    public ScheduledExecutorService timer(String name) {
        return register(Executors.newSingleThreadScheduledExecutor(threads(name, false)));
    }

    @PreDestroy
    void stopAll() {
        executors.forEach(ExecutorService::shutdownNow);
        loops.forEach(loop -> loop.thread.interrupt());
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        try {
            for (ExecutorService executor : executors) {
                executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            for (Loop loop : loops) {
                loop.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <E extends ExecutorService> E register(E executor) {
        executors.add(executor);
        return executor;
    }

    private static ThreadFactory threads(String name, boolean numbered) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, numbered ? name + "-" + count.incrementAndGet() : name);
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler(
                    (t, e) -> LOG.errorf(e, "background thread %s ended by an unexpected error", t.getName()));
            return thread;
        };
    }

    /** A running loop: its owner asks it to stop (a flag it reads, a wake-up) and may wait for it here. */
    public static final class Loop {
        private final Thread thread;

        private Loop(Thread thread) {
            this.thread = thread;
        }

        public boolean isAlive() {
            return thread.isAlive();
        }

        /** Waits up to {@code timeout} for the loop to end; true when it has. */
        public boolean awaitEnd(Duration timeout) {
            try {
                thread.join(Math.max(1, timeout.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return !thread.isAlive();
        }
    }
}
