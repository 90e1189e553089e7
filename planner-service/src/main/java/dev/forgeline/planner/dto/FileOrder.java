package dev.forgeline.planner.dto;

/**
 * An implicit ordering: this task and an earlier one of the spec write the same file, so they are never in flight
 * together and the earlier goes first when both may run.
 *
 * @param task   the earlier task
 * @param file   the file both write
 * @param reason why each counts as writing it, e.g. {@code T003 writes: add; T007 writes: correct}
 */
public record FileOrder(String task, String file, String reason) {}
