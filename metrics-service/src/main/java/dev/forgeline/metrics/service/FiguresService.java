package dev.forgeline.metrics.service;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.metrics.domain.FactRows.AttemptRow;
import dev.forgeline.metrics.domain.FactRows.DecisionRow;
import dev.forgeline.metrics.domain.FactRows.FailureRow;
import dev.forgeline.metrics.domain.FactRows.RetentionRow;
import dev.forgeline.metrics.domain.FactRows.TaskRow;
import dev.forgeline.metrics.repository.FactRepository;
import dev.forgeline.metrics.service.Figures.BudgetUse;
import dev.forgeline.support.auth.Callers;
import io.quarkus.security.identity.SecurityIdentity;

/** Loads the facts of a scope and computes its figures. */
@ApplicationScoped
public class FiguresService {
    private final FactRepository facts;
    private final BudgetService budgets;

    public FiguresService(FactRepository facts, BudgetService budgets) {
        this.facts = facts;
        this.budgets = budgets;
    }

    /** Every task, or one spec's (with tokens on: of the caller's projects; another project's spec is unknown). */
    @Transactional
    public Figures forSpec(Optional<String> specId, SecurityIdentity caller) {
        Predicate<String> visible = visibleSpecs(caller);
        List<TaskRow> tasks = only(visible, facts.tasks(specId), TaskRow::specId);
        List<AttemptRow> attempts = only(visible, facts.attempts(specId), AttemptRow::specId);
        return FigureCalculator.compute(new FigureCalculator.Input(
                specId.map(s -> "spec " + s).orElse("all"),
                tasks,
                attempts,
                only(visible, facts.failures(specId), FailureRow::specId),
                only(visible, facts.decisions(specId), DecisionRow::specId),
                facts.breakers(),
                facts.backlog(),
                only(visible, facts.retention(specId), RetentionRow::specId),
                budgetUses(attempts, true)));
    }

    /**
     * Whether any event about the spec arrived and the caller sees its project: another project's spec is as
     * unknown as one no event named.
     */
    @Transactional
    public boolean knows(String specId, SecurityIdentity caller) {
        return visibleSpecs(caller).test(specId)
                && (!facts.tasks(Optional.of(specId)).isEmpty()
                        || !facts.decisions(Optional.of(specId)).isEmpty());
    }

    /**
     * Which specs' facts the caller sees: those of its projects, as the tasks' TaskReady or the decisions name them
     * (a spec named by neither, from before events carried projects, counts as the default project).
     */
    private Predicate<String> visibleSpecs(SecurityIdentity caller) {
        if (Callers.visibleProjects(caller).isEmpty()) {
            return spec -> true;
        }
        Map<String, String> projects = facts.specProjects();
        return spec -> spec == null || Callers.canSee(caller, projects.get(spec));
    }

    private static <T> List<T> only(Predicate<String> visible, List<T> rows, Function<T, String> specOf) {
        return rows.stream().filter(row -> visible.test(specOf.apply(row))).toList();
    }

    /** The tasks first seen in the ISO week (Monday to Sunday, UTC) of {@code day}. */
    @Transactional
    public Figures forWeek(LocalDate day, SecurityIdentity caller) {
        Predicate<String> visible = visibleSpecs(caller);
        LocalDate monday = monday(day);
        Instant from = monday.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant to = monday.plusDays(7).atStartOfDay(ZoneOffset.UTC).toInstant();
        List<TaskRow> tasks = only(visible, facts.tasks(Optional.empty()), TaskRow::specId).stream()
                .filter(t -> t.firstEventAt() != null
                        && !t.firstEventAt().isBefore(from)
                        && t.firstEventAt().isBefore(to))
                .toList();
        Set<String> keys =
                tasks.stream().map(t -> t.specId() + "/" + t.taskId()).collect(Collectors.toSet());
        List<AttemptRow> attempts = facts.attempts(Optional.empty()).stream()
                .filter(a -> keys.contains(a.specId() + "/" + a.taskId()))
                .toList();
        List<FailureRow> failures = facts.failures(Optional.empty()).stream()
                .filter(f -> keys.contains(f.specId() + "/" + f.taskId()))
                .toList();
        List<DecisionRow> decisions = only(visible, facts.decisions(Optional.empty()), DecisionRow::specId).stream()
                .filter(d -> !d.decidedAt().isBefore(from) && d.decidedAt().isBefore(to))
                .toList();
        List<RetentionRow> retention = only(visible, facts.retention(Optional.empty()), RetentionRow::specId).stream()
                .filter(r -> r.week().equals(monday))
                .toList();
        return FigureCalculator.compute(new FigureCalculator.Input(
                "week of " + monday,
                tasks,
                attempts,
                failures,
                decisions,
                facts.breakers(),
                facts.backlog(),
                retention,
                budgetUses(attempts, true)));
    }

    public static LocalDate monday(LocalDate day) {
        return day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    }

    /** Spending against each budget the attempts count against (per spec; per day of finishing). */
    private List<BudgetUse> budgetUses(List<AttemptRow> attempts, boolean withDays) {
        List<BudgetUse> uses = new ArrayList<>();
        Set<String> specs = attempts.stream().map(AttemptRow::specId).collect(Collectors.toCollection(TreeSet::new));
        for (String spec : specs) {
            budgets.specBudget(spec).filter(b -> b.signum() > 0).ifPresent(budget -> {
                BigDecimal spent = facts.specCost(spec);
                uses.add(new BudgetUse(BudgetService.SPEC, spec, spent, budget, BudgetService.used(spent, budget)));
            });
        }
        if (withDays) {
            budgets.dailyBudget()
                    .filter(b -> b.signum() > 0)
                    .ifPresent(budget -> attempts.stream()
                            .filter(a -> a.hasResult() && a.finishedAt() != null)
                            .map(a -> LocalDate.ofInstant(a.finishedAt(), ZoneOffset.UTC))
                            .collect(Collectors.toCollection(TreeSet::new))
                            .forEach(day -> {
                                BigDecimal spent = facts.dayCost(day);
                                uses.add(new BudgetUse(
                                        BudgetService.DAY,
                                        day.toString(),
                                        spent,
                                        budget,
                                        BudgetService.used(spent, budget)));
                            }));
        }
        return uses;
    }
}
