package dev.forgeline.planner.dto;

import java.util.List;

/**
 * A parent item of a Kiro plan: not a task itself; done when its children are.
 *
 * @param state {@code DONE} when every child is MERGED (or CANCELLED), {@code PLANNED} while none has started,
 *              else {@code IN_PROGRESS}
 */
public record GroupView(String id, String title, List<String> tasks, String state) {}
