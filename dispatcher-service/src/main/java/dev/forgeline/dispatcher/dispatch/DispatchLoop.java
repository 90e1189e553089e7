package dev.forgeline.dispatcher.dispatch;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.forgeline.dispatcher.breaker.BreakerService;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.dispatch.DispatchService.DispatchRound;
import dev.forgeline.support.background.BackgroundWork;
import dev.forgeline.support.tx.AfterCommit;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * The thread that runs dispatch rounds. It sleeps until a commit that may allow new leases wakes it (READY
 * tasks added, slots freed, nodes registered), or at the latest every 500 ms, and runs rounds back to back while
 * they grant full batches. Before a round it evaluates the circuit breakers when {@code breaker.evaluate-every}
 * has passed.
 */
@ApplicationScoped
public class DispatchLoop {
    private static final Logger LOG = Logger.getLogger(DispatchLoop.class);
    private static final long FALLBACK_MILLIS = 500;
    private static final Object WAKE_KEY = DispatchLoop.class.getName() + ".wake";

    private final DispatchService dispatchService;
    private final AfterCommit afterCommit;
    private final BreakerService breakers;
    private final long breakerEveryNanos;
    private long lastBreakerEvaluation;
    private final Semaphore wakeUps = new Semaphore(0);
    private volatile boolean running;
    private final BackgroundWork background;
    private volatile BackgroundWork.Loop loop;

    public DispatchLoop(
            DispatchService dispatchService,
            AfterCommit afterCommit,
            BreakerService breakers,
            DispatcherConfig config,
            BackgroundWork background) {
        this.background = background;
        this.dispatchService = dispatchService;
        this.afterCommit = afterCommit;
        this.breakers = breakers;
        this.breakerEveryNanos = config.breaker().evaluateEvery().toNanos();
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        loop = background.loop("dispatch-loop", this::run);
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        wake();
        BackgroundWork.Loop current = loop;
        if (current != null) {
            current.awaitEnd(Duration.ofSeconds(5));
        }
    }

    /** Asks for a round now. */
    public void wake() {
        wakeUps.release();
    }

    /** Asks for a round once the current transaction has committed. */
    public void wakeAfterCommit() {
        afterCommit.run(WAKE_KEY, this::wake);
    }

    public boolean isRunning() {
        BackgroundWork.Loop current = loop;
        return running && current != null && current.isAlive();
    }

    private void run() {
        while (running) {
            try {
                wakeUps.tryAcquire(FALLBACK_MILLIS, TimeUnit.MILLISECONDS);
                wakeUps.drainPermits();
                evaluateBreakersIfDue();
                DispatchRound round;
                do {
                    round = dispatchService.dispatchRound();
                } while (running && dispatchService.isFullBatch(round));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // the database may be restarting or a round may have lost a lock race; the next round retries
                LOG.warnf("dispatch round failed, retrying: %s", e.getMessage());
                pause();
            }
        }
    }

    /** Breakers are judged here, before rounds, so an opened breaker stops dispatch within a second. */
    private void evaluateBreakersIfDue() {
        long now = System.nanoTime();
        if (now - lastBreakerEvaluation < breakerEveryNanos) {
            return;
        }
        lastBreakerEvaluation = now;
        try {
            breakers.evaluate();
        } catch (RuntimeException e) {
            LOG.warnf("breaker evaluation failed, retrying: %s", e.getMessage());
        }
    }

    private void pause() {
        try {
            wakeUps.tryAcquire(FALLBACK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
