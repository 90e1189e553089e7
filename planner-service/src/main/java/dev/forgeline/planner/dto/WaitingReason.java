package dev.forgeline.planner.dto;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Why a task waits, machine-readable: every PLANNED and NEEDS_DECISION task has one.
 *
 * @param code     {@code WAITING_FOR_DEPENDENCY} (tasks: the dependencies not merged yet),
 *                 {@code WAITING_FOR_FILE} (tasks: those in flight or ahead in spec order that write files this
 *                 one writes; files: those files), {@code WAITING_FOR_DECISION} (decision: the open decision;
 *                 tasks: the task it is about, this one or a dependency), {@code RELEASING} (nothing holds it: it
 *                 is announced with the next release)
 * @param tasks    the tasks it waits for
 * @param files    the files it waits for
 * @param decision the decision it waits for
 * @param kind     that decision's kind
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record WaitingReason(String code, List<String> tasks, List<String> files, UUID decision, String kind) {
    public static final String WAITING_FOR_DEPENDENCY = "WAITING_FOR_DEPENDENCY";
    public static final String WAITING_FOR_FILE = "WAITING_FOR_FILE";
    public static final String WAITING_FOR_DECISION = "WAITING_FOR_DECISION";
    public static final String RELEASING = "RELEASING";
}
