package dev.forgeline.dispatcher.model;

import java.util.List;

/**
 * Whether dispatch is held, and every reason in force (manual pause, budgets, review backlog, global breaker).
 *
 * @param paused true when no task at all is leased
 */
public record DispatchStatus(boolean paused, List<String> reasons) {}
