package dev.forgeline.metrics.service;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.BudgetAlert;
import dev.forgeline.metrics.config.MetricsConfig;
import dev.forgeline.metrics.repository.FactRepository;
import dev.forgeline.support.outbox.Outbox;
import org.jboss.logging.Logger;

/**
 * Compares spending with the budgets after every counted result and announces each 80% and 100% threshold of
 * each budget once, through the outbox in the transaction that counted the result.
 */
@ApplicationScoped
public class BudgetService {
    public static final String SPEC = "SPEC";
    public static final String DAY = "DAY";
    static final List<Integer> THRESHOLDS = List.of(80, 100);
    private static final Logger LOG = Logger.getLogger(BudgetService.class);

    private final MetricsConfig config;
    private final FactRepository facts;
    private final Outbox outbox;

    public BudgetService(MetricsConfig config, FactRepository facts, Outbox outbox) {
        this.config = config;
        this.facts = facts;
        this.outbox = outbox;
    }

    /** The budget of a spec: its override, else the default, else none. */
    public Optional<BigDecimal> specBudget(String specId) {
        BigDecimal override = config.budget().specOverrides().get(specId);
        return override != null ? Optional.of(override) : config.budget().perSpecUsd();
    }

    public Optional<BigDecimal> dailyBudget() {
        return config.budget().dailyUsd();
    }

    /** Checks the spec's budget and the budget of the day the spending happened. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void check(String specId, Instant spentAt) {
        Optional<BigDecimal> specBudget = specBudget(specId);
        if (specBudget.isPresent()) {
            facts.lockBudget(SPEC, specId);
            announce(SPEC, specId, null, facts.specCost(specId), specBudget.get());
        }
        if (dailyBudget().isPresent()) {
            LocalDate day = LocalDate.ofInstant(spentAt, ZoneOffset.UTC);
            facts.lockBudget(DAY, day.toString());
            announce(DAY, null, day, facts.dayCost(day), dailyBudget().get());
        }
    }

    private void announce(String scope, String specId, LocalDate day, BigDecimal spent, BigDecimal budget) {
        if (budget.signum() <= 0) {
            return;
        }
        String scopeKey = specId != null ? specId : day.toString();
        for (int threshold : THRESHOLDS) {
            BigDecimal limit = budget.multiply(BigDecimal.valueOf(threshold)).divide(BigDecimal.valueOf(100));
            if (spent.compareTo(limit) >= 0 && facts.markBudgetAlert(scope, scopeKey, threshold, spent, budget)) {
                LOG.infof("budget %s %s: %s of %s USD spent, %d%% reached", scope, scopeKey, spent, budget, threshold);
                outbox.append(
                        EventType.BUDGET_ALERT,
                        specId,
                        null,
                        Topics.key(scope, scopeKey),
                        new BudgetAlert(scope, specId, day, threshold, spent, budget, Instant.now()));
            }
        }
    }

    /** Share of a budget spent, 6 decimals (fine enough that a rounded percentage is rounded once). */
    public static BigDecimal used(BigDecimal spent, BigDecimal budget) {
        return spent.divide(budget, 6, RoundingMode.HALF_UP);
    }
}
