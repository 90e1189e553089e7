package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.TaskCommandKind;

/**
 * planner -> dispatcher: a command about a task the planner owns. Key: specId/taskId.
 *
 * @param revision the spec revision that issued the command; older commands than the task's revision are ignored
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskCommand(String specId, String taskId, TaskCommandKind command, int revision, String reason) {}
