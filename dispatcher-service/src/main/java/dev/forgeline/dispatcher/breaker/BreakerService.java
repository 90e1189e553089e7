package dev.forgeline.dispatcher.breaker;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.BreakerChanged;
import dev.forgeline.dispatcher.breaker.BreakerRules.Transition;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.model.BreakerView;
import dev.forgeline.dispatcher.repository.BreakerRepository;
import dev.forgeline.dispatcher.repository.BreakerRepository.BreakerRow;
import dev.forgeline.dispatcher.repository.BreakerRepository.EndedProbe;
import dev.forgeline.dispatcher.repository.BreakerRepository.Window;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.runtime.StartupEvent;
import org.jboss.logging.Logger;

/**
 * Circuit breakers per named agent profile (scope PROFILE; attempts without a profile run on each worker's own
 * default and count only for their node), per node (NODE) and for the whole fleet (GLOBAL, key
 * "fleet"), judged on the task_attempt history by {@link BreakerRules}. Every change is a BREAKER_CHANGED event
 * (outbox, topic forgeline.fleet.events) and the forgeline.dispatcher.breaker.state gauge. The dispatch round
 * reads the breaker table itself, so an opened breaker stops dispatch at the next round.
 */
@ApplicationScoped
public class BreakerService {
    private static final Logger LOG = Logger.getLogger(BreakerService.class);
    public static final String PROFILE = "PROFILE";
    public static final String NODE = "NODE";
    public static final String GLOBAL = "GLOBAL";
    public static final String FLEET = "fleet";

    private final BreakerRepository breakers;
    private final Outbox outbox;
    private final DispatcherMetrics metrics;
    private final DispatcherConfig config;
    private final DispatchLoop dispatchLoop;

    public BreakerService(
            BreakerRepository breakers,
            Outbox outbox,
            DispatcherMetrics metrics,
            DispatcherConfig config,
            DispatchLoop dispatchLoop) {
        this.breakers = breakers;
        this.outbox = outbox;
        this.metrics = metrics;
        this.config = config;
        this.dispatchLoop = dispatchLoop;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            QuarkusTx.run(() -> breakers.all()
                    .forEach(b -> metrics.breaker(b.scope(), b.key(), b.state().ordinal())));
        } catch (RuntimeException e) {
            LOG.warnf("breaker states not loaded for the gauge: %s", e.getMessage());
        }
    }

    /** Evaluates every breaker once; returns the changes made. */
    @Transactional
    public List<BreakerChanged> evaluate() {
        DispatcherConfig.Breakers settings = config.breaker();
        Map<String, BreakerRow> rows = new HashMap<>();
        breakers.all().forEach(b -> rows.put(b.scope() + "/" + b.key(), b));
        Map<String, Window> windows = new HashMap<>();
        breakers.windows(settings.minAttempts(), settings.globalMinAttempts())
                .forEach(w -> windows.put(w.scope() + "/" + w.key(), w));
        // microseconds: the precision the database keeps for changed_at, so the event and the row agree
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        long lastAttempt = -1;
        List<BreakerChanged> changes = new java.util.ArrayList<>();
        java.util.Set<String> keys = new java.util.TreeSet<>(rows.keySet());
        keys.addAll(windows.keySet());
        for (String scopeKey : keys) {
            BreakerRow row = rows.get(scopeKey);
            Window window = windows.get(scopeKey);
            String scope = row != null ? row.scope() : window.scope();
            String key = row != null ? row.key() : window.key();
            BreakerState state = row == null ? BreakerState.CLOSED : row.state();
            boolean global = GLOBAL.equals(scope);
            int attempts = window == null ? 0 : window.attempts();
            int failures = window == null ? 0 : window.failures();
            int successes = window == null ? 0 : window.successes();
            Transition transition = BreakerRules.next(
                    state,
                    row == null ? now : row.changedAt(),
                    attempts,
                    failures,
                    successes,
                    global ? settings.globalFailureRatio() : settings.failureRatio(),
                    global ? settings.globalMinAttempts() : settings.minAttempts(),
                    settings.coolDown(),
                    now);
            if (transition == null) {
                continue;
            }
            if (lastAttempt < 0) {
                lastAttempt = breakers.maxAttemptId();
            }
            // the next window starts after the attempts that decided this change
            breakers.save(scope, key, transition.to(), failures, attempts, transition.reason(), lastAttempt, now);
            BreakerChanged change = new BreakerChanged(
                    scope, key, state, transition.to(), failures, attempts, transition.reason(), now);
            outbox.append(EventType.BREAKER_CHANGED, null, null, Topics.key(scope, key), change);
            metrics.breaker(scope, key, transition.to().ordinal());
            LOG.warnf("breaker %s/%s %s -> %s: %s", scope, key, state, transition.to(), transition.reason());
            changes.add(change);
        }
        List<EndedProbe> released = breakers.releaseEndedProbes();
        for (EndedProbe probe : released) {
            LOG.infof(
                    "breaker %s/%s stays HALF_OPEN: its probe lease %s ended %s, which says nothing about it; another"
                            + " probe may go",
                    probe.scope(), probe.key(), probe.leaseId(), probe.outcome());
        }
        if (!changes.isEmpty() || !released.isEmpty()) {
            dispatchLoop.wakeAfterCommit();
        }
        return changes;
    }

    /**
     * Closes a breaker by hand (an operator who fixed the node or the profile's credentials does not wait for the
     * cool-down and a probe): its window restarts after the latest attempt. A breaker already CLOSED (or never
     * opened) is left as it is.
     *
     * @throws ProblemException 404 for an unknown scope
     */
    @Transactional
    public BreakerView close(String scope, String key, String reason) {
        String normalisedScope = scope.toUpperCase(Locale.ROOT);
        if (!List.of(PROFILE, NODE, GLOBAL).contains(normalisedScope)) {
            throw ProblemException.notFound("breaker scope " + scope + " does not exist (PROFILE, NODE or GLOBAL)");
        }
        Optional<BreakerRow> row = breakers.lock(normalisedScope, key);
        if (row.isPresent() && row.get().state() != BreakerState.CLOSED) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            String why = "closed by an operator" + (reason == null || reason.isBlank() ? "" : ": " + reason.strip());
            breakers.save(normalisedScope, key, BreakerState.CLOSED, 0, 0, why, breakers.maxAttemptId(), now);
            BreakerChanged change =
                    new BreakerChanged(normalisedScope, key, row.get().state(), BreakerState.CLOSED, 0, 0, why, now);
            outbox.append(EventType.BREAKER_CHANGED, null, null, Topics.key(normalisedScope, key), change);
            metrics.breaker(normalisedScope, key, BreakerState.CLOSED.ordinal());
            LOG.warnf(
                    "breaker %s/%s %s -> CLOSED: %s",
                    normalisedScope, key, row.get().state(), why);
            dispatchLoop.wakeAfterCommit();
        }
        return list().stream()
                .filter(b -> b.scope().equals(normalisedScope) && b.key().equals(key))
                .findFirst()
                .orElse(new BreakerView(normalisedScope, key, BreakerState.CLOSED, 0, 0, null, null, null, null));
    }

    @Transactional
    public List<BreakerView> list() {
        return breakers.all().stream()
                .map(b -> new BreakerView(
                        b.scope(),
                        b.key(),
                        b.state(),
                        b.failures(),
                        b.attempts(),
                        b.reason(),
                        b.changedAt(),
                        b.state() == BreakerState.OPEN
                                ? b.changedAt().plus(config.breaker().coolDown())
                                : null,
                        b.probeLeaseId()))
                .toList();
    }

    public Duration coolDown() {
        return config.breaker().coolDown();
    }

    /** Runs work in a transaction outside a CDI-intercepted call. */
    static final class QuarkusTx {
        private QuarkusTx() {}

        static void run(Runnable work) {
            io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(work);
        }
    }
}
