package dev.forgeline.dispatcher.model;

import java.util.List;

/**
 * Whether dispatch is held, and every reason in force (manual pause, budgets, review backlog, global breaker), and
 * whether supervision judges leases and nodes yet (it waits after a start).
 *
 * @param paused true when no task at all is leased
 */
public record DispatchStatus(boolean paused, List<String> reasons, SupervisionStatus supervision) {}
