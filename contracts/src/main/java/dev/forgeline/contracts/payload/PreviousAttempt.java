package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.forgeline.contracts.FailureClass;

/**
 * Context a retry carries about the attempt before it, for the agent's prompt.
 *
 * @param outputTail    the end of the failing test or agent output (secrets masked)
 * @param reviewComment a reviewer's request-changes comment, when that is why the task runs again
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PreviousAttempt(
        int attempt, FailureClass failureClass, String detail, String outputTail, String reviewComment) {}
