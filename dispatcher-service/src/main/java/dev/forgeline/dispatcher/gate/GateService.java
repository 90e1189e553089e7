package dev.forgeline.dispatcher.gate;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.dispatcher.breaker.BreakerService;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.model.DispatchStatus;
import dev.forgeline.dispatcher.repository.BreakerRepository;
import dev.forgeline.dispatcher.repository.GateRepository;
import dev.forgeline.dispatcher.repository.GateRepository.Gate;
import dev.forgeline.dispatcher.supervision.SupervisionStart;
import org.jboss.logging.Logger;

/** Pause and resume, budget alerts and the review backlog: everything that holds dispatch back, and why. */
@ApplicationScoped
public class GateService {
    private static final Logger LOG = Logger.getLogger(GateService.class);

    private final GateRepository gates;
    private final BreakerRepository breakers;
    private final DispatchLoop dispatchLoop;
    private final SupervisionStart supervisionStart;

    public GateService(
            GateRepository gates,
            BreakerRepository breakers,
            DispatchLoop dispatchLoop,
            SupervisionStart supervisionStart) {
        this.gates = gates;
        this.breakers = breakers;
        this.dispatchLoop = dispatchLoop;
        this.supervisionStart = supervisionStart;
    }

    @Transactional
    public DispatchStatus pause(String reason) {
        gates.put(
                GateRepository.PAUSE,
                null,
                "paused by an operator" + (reason == null || reason.isBlank() ? "" : ": " + reason),
                null);
        LOG.warnf("dispatch paused: %s", reason);
        return status();
    }

    /** Lifts the manual pause; with {@code all}, every gate (budget holds and the review hold too). */
    @Transactional
    public DispatchStatus resume(boolean all) {
        if (all) {
            gates.removeAll();
        } else {
            gates.remove(GateRepository.PAUSE);
        }
        dispatchLoop.wakeAfterCommit();
        return status();
    }

    /** At 100% of a spec's budget its tasks are no longer leased; at 100% of the day's budget, no task is. */
    @Transactional
    public void applyBudgetAlert(BudgetAlert alert) {
        if (alert.thresholdPercent() < 100) {
            LOG.infof(
                    "budget alert %s %s at %d%%: spent %s of %s",
                    alert.scope(),
                    alert.specId() == null ? alert.day() : alert.specId(),
                    alert.thresholdPercent(),
                    alert.spentUsd(),
                    alert.budgetUsd());
            return;
        }
        if ("DAY".equalsIgnoreCase(alert.scope())) {
            Instant until = alert.day() == null
                    ? null
                    : alert.day().plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            gates.put(
                    GateRepository.BUDGET_DAY,
                    null,
                    "daily budget spent: " + alert.spentUsd() + " of " + alert.budgetUsd() + " USD on " + alert.day()
                            + "; no task is leased until the next day",
                    until);
        } else if (alert.specId() != null) {
            gates.put(
                    GateRepository.BUDGET_SPEC + alert.specId(),
                    alert.specId(),
                    "budget of spec " + alert.specId() + " spent: " + alert.spentUsd() + " of " + alert.budgetUsd()
                            + " USD; its tasks are not leased",
                    null);
        }
        LOG.warnf("budget exhausted (%s %s): dispatch held", alert.scope(), alert.specId());
    }

    @Transactional
    public void applyReviewBacklog(ReviewBacklog backlog) {
        if (backlog.holdBack()) {
            gates.put(
                    GateRepository.REVIEW_BACKLOG,
                    null,
                    "review backlog over capacity ("
                            + backlog.pendingHighRisk() + " level 2-3 reviews waiting, capacity "
                            + backlog.dailyCapacity()
                            + "/day): tasks that will need a person's review are held"
                            + (backlog.reason() == null ? "" : "; " + backlog.reason()),
                    null);
        } else if (gates.remove(GateRepository.REVIEW_BACKLOG)) {
            dispatchLoop.wakeAfterCommit();
        }
    }

    @Transactional
    public DispatchStatus status() {
        List<Gate> active = gates.active();
        List<String> reasons = new ArrayList<>();
        boolean paused = false;
        for (Gate gate : active) {
            reasons.add(gate.name() + ": " + gate.reason());
            paused |= gate.global();
        }
        for (BreakerRepository.BreakerRow breaker : breakers.all()) {
            if (BreakerService.GLOBAL.equals(breaker.scope())
                    && breaker.state() != dev.forgeline.contracts.BreakerState.CLOSED) {
                reasons.add("global breaker " + breaker.state() + ": " + breaker.reason());
                paused |= breaker.state() == dev.forgeline.contracts.BreakerState.OPEN;
            }
        }
        return new DispatchStatus(paused, reasons, supervisionStart.status());
    }

    /** Gates in force, for the task views. */
    @Transactional
    public List<Gate> active() {
        return gates.active();
    }
}
