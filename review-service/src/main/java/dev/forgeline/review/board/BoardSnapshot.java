package dev.forgeline.review.board;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.forgeline.contracts.Projects;

/**
 * What the board shows, gathered from the review service's own database and the planner's and dispatcher's REST
 * APIs. It holds timestamps, never ages, so that two snapshots of an unchanged system are equal and nothing is pushed.
 *
 * One snapshot of every project is gathered for all viewers; each viewer is shown {@link #visibleTo its projects'}
 * specs, reviews and decisions, and the fleet-wide parts (services, nodes, breakers, holds) whole.
 *
 * @param services  the planner and the dispatcher: reachable or why not
 * @param specs     the newest {@code maxSpecs} specs of every project, newest first, each with its tasks
 * @param specsNotShown older specs left out
 * @param notShownByProject those older specs by project
 * @param holds     why dispatch is held, if it is
 * @param reviews   the review queue: attempts waiting for a person, longest waiting first
 * @param decisions open decisions of the planner, oldest first
 * @param maxSpecs  how many specs a viewer is shown
 */
public record BoardSnapshot(
        List<ServiceState> services,
        List<SpecRow> specs,
        int specsNotShown,
        Map<String, Integer> notShownByProject,
        List<NodeRow> nodes,
        List<BreakerRow> breakers,
        Holds holds,
        List<ReviewRow> reviews,
        List<DecisionRow> decisions,
        int maxSpecs) {

    /**
     * The board as a viewer who sees the projects {@code sees} accepts is shown it: the newest {@code maxSpecs} specs
     * (with their tasks) of those projects, their reviews and decisions, and everything fleet-wide as it is.
     */
    public BoardSnapshot visibleTo(Predicate<String> sees) {
        Map<String, Integer> notShown = new HashMap<>();
        notShownByProject.forEach((project, count) -> {
            if (sees.test(project)) {
                notShown.put(project, count);
            }
        });
        List<SpecRow> visible =
                specs.stream().filter(s -> sees.test(s.project())).toList();
        List<SpecRow> shown = visible.subList(0, Math.min(maxSpecs, visible.size()));
        visible.subList(shown.size(), visible.size()).forEach(s -> notShown.merge(s.project(), 1, Integer::sum));
        return new BoardSnapshot(
                services,
                List.copyOf(shown),
                notShown.values().stream().mapToInt(Integer::intValue).sum(),
                Map.copyOf(notShown),
                nodes,
                breakers,
                holds,
                reviews.stream().filter(r -> sees.test(r.project())).toList(),
                decisions.stream().filter(d -> sees.test(d.project())).toList(),
                maxSpecs);
    }

    public boolean available(String service) {
        return services.stream().anyMatch(s -> s.name().equals(service) && s.available());
    }

    /** A service the board reads from; {@code problem} says why it is unavailable. */
    public record ServiceState(String name, boolean available, String problem) {}

    /**
     * @param state   MERGED when every task ended merged, else what holds the spec: FAILED, NEEDS_DECISION,
     *                IN_PROGRESS, or ENDED (every task final, some not merged)
     */
    public record SpecRow(
            String id,
            String name,
            Instant createdAt,
            long merged,
            long total,
            String state,
            List<TaskRow> tasks,
            String project) {

        public SpecRow {
            project = Projects.orDefault(project);
        }
    }

    /**
     * @param node    the node of the current (or last) attempt, as far as the dispatcher knows it
     * @param cost    the attempts' cost so far (USD) as the workers reported it, null when none reported one
     * @param waiting why the task waits (planner: dependency, file, decision; dispatcher: pause, budget, breaker,
     *                nodes), null when it does not
     */
    public record TaskRow(
            String taskId, String title, String state, int attempt, String node, BigDecimal cost, String waiting) {}

    public record NodeRow(
            String name,
            String status,
            String statusReason,
            int capacity,
            int activeLeases,
            int freeSlots,
            Instant lastSeenAt) {}

    public record BreakerRow(
            String scope, String key, String state, int failures, String reason, Instant halfOpensAt) {}

    /**
     * @param dispatchPaused  null when the dispatcher cannot be asked
     * @param dispatchReasons every hold in force at the dispatcher (manual pause, budget, review backlog, breaker)
     * @param reviewHoldBack  the review backlog is over the daily capacity
     */
    public record Holds(
            Boolean dispatchPaused,
            List<String> dispatchReasons,
            boolean reviewHoldBack,
            String reviewReason,
            int pendingHighRisk,
            int pendingTotal,
            int dailyCapacity) {}

    public record ReviewRow(
            String specId,
            String taskId,
            int attempt,
            Integer level,
            List<String> reasons,
            Instant requestedAt,
            String project) {

        public ReviewRow {
            project = Projects.orDefault(project);
        }
    }

    /** @param project the project of the decision's spec */
    public record DecisionRow(
            String id,
            String specId,
            String taskId,
            String kind,
            String question,
            Instant requestedAt,
            String project) {

        public DecisionRow {
            project = Projects.orDefault(project);
        }
    }
}
