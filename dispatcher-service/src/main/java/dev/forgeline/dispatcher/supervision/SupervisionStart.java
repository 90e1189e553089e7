package dev.forgeline.dispatcher.supervision;

import java.time.Duration;
import java.time.Instant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.messaging.HeartbeatCatchUp;
import dev.forgeline.dispatcher.messaging.HeartbeatCatchUp.Progress;
import dev.forgeline.dispatcher.model.SupervisionStatus;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * When supervision may start judging leases and nodes after this dispatcher started. While it was down, the
 * heartbeats of running attempts and live nodes waited in Kafka and the database's last heartbeats grew old; judged
 * at once, every lease would be orphaned and every node declared DEAD. So nothing is judged until both:
 * <ul>
 * <li>one full silence window ({@code missed-heartbeats} x {@code heartbeat-interval}) has passed since this process
 * started, measured by its own clock from its own start (not from rows in the database), so every node and attempt
 * gets the whole window to show a heartbeat received after the start;</li>
 * <li>the heartbeat consumer has applied every heartbeat that was on the topic at start ({@link HeartbeatCatchUp}),
 * or {@code heartbeat-catch-up-limit} has passed.</li>
 * </ul>
 * Liveness itself stays judged by receipt time in the database ({@code now()} when the dispatcher applied a
 * heartbeat), never by the clock of the worker's host. A heartbeat replayed from the backlog counts from when it is
 * read, so it keeps a node alive for one window after the catch-up at most, not for ever.
 */
@ApplicationScoped
public class SupervisionStart {
    private static final Logger LOG = Logger.getLogger(SupervisionStart.class);

    private final DispatcherConfig config;
    private final HeartbeatCatchUp catchUp;
    private final LeaseSupervisor supervisor;

    private Instant startedAt = Instant.now();
    private Instant judgingSince;
    private boolean catchUpWaitLogged;

    public SupervisionStart(DispatcherConfig config, HeartbeatCatchUp catchUp, LeaseSupervisor supervisor) {
        this.config = config;
        this.catchUp = catchUp;
        this.supervisor = supervisor;
    }

    synchronized void onStart(@Observes StartupEvent event) {
        started(Instant.now());
    }

    /**
     * Whether supervision may judge now; logs once when it starts waiting for the catch-up after the window and
     * once when it starts judging.
     */
    public synchronized boolean mayJudge() {
        if (judgingSince != null) {
            return true;
        }
        Instant now = Instant.now();
        if (now.isBefore(windowEnds())) {
            return false;
        }
        if (!catchUp.caughtUp()) {
            if (now.isBefore(startedAt.plus(config.heartbeatCatchUpLimit()))) {
                if (!catchUpWaitLogged) {
                    catchUpWaitLogged = true;
                    LOG.infof("silence window over; %s", status().waitingFor());
                }
                return false;
            }
            LOG.warnf(
                    "heartbeat consumer not caught up %s after this dispatcher's start (%d heartbeats behind, partitions"
                            + " %s): supervision starts anyway; leases whose heartbeats are still unread may be"
                            + " orphaned",
                    config.heartbeatCatchUpLimit(),
                    catchUp.progress().behind(),
                    catchUp.progress().assigned() ? "assigned" : "never assigned");
        }
        judgingSince = now;
        LOG.infof(
                "supervision judges leases and nodes from now on (%s after this dispatcher's start, caught up with"
                        + " heartbeats: %s)",
                Duration.between(startedAt, now), catchUp.caughtUp());
        return true;
    }

    public synchronized SupervisionStatus status() {
        if (judgingSince != null) {
            return new SupervisionStatus(true, startedAt, judgingSince, 0, null);
        }
        Progress progress = catchUp.progress();
        String waitingFor;
        if (progress.caughtUp()) {
            waitingFor = "supervision starts at " + windowEnds() + ": every node and attempt gets one silence window ("
                    + config.missedHeartbeats() + " x " + config.heartbeatInterval()
                    + ") from this dispatcher's start before it is judged";
        } else {
            waitingFor = "supervision starts at " + windowEnds() + " at the earliest, "
                    + startedAt.plus(config.heartbeatCatchUpLimit()) + " at the latest: catching up with heartbeats ("
                    + (progress.assigned()
                            ? progress.behind() + " heartbeats from before the start still to apply"
                            : "waiting for the heartbeat partitions to be assigned")
                    + ")";
        }
        return new SupervisionStatus(false, startedAt, windowEnds(), progress.behind(), waitingFor);
    }

    /**
     * Treats now as this dispatcher's start: supervision waits again for a silence window and for the heartbeat
     * consumer to apply what is on the topic now. Restarting the application inside a test is impractical (one
     * application serves every test), so the tests model a restart with this.
     *
     * @return the new start
     */
    public synchronized Instant restart() {
        judgingSince = null;
        catchUp.restart(Duration.ofSeconds(30));
        started(Instant.now());
        return startedAt;
    }

    private void started(Instant at) {
        startedAt = at;
        judgingSince = null;
        catchUpWaitLogged = false;
        LOG.infof(
                "%s; until then no lease is orphaned or timed out and no node is declared DEAD", status().waitingFor());
    }

    private Instant windowEnds() {
        return startedAt.plus(supervisor.orphanAfter());
    }
}
