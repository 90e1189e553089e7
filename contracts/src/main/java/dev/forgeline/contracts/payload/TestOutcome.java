package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The worker's own run of the task's test command (never the agent's claim). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TestOutcome(
        String command, boolean ran, boolean passed, int exitCode, long durationMillis, String outputTail) {

    public static TestOutcome notRun(String command) {
        return new TestOutcome(command, false, false, -1, 0, "");
    }
}
