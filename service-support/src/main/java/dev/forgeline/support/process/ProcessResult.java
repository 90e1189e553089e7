package dev.forgeline.support.process;

/**
 * How a child process ended.
 *
 * @param outputTail the last lines of its merged stdout and stderr, secrets masked
 * @param timedOut   it was killed (with its descendants) at the deadline
 * @param stopped    it was killed (with its descendants) because the request's stop signal was raised
 */
public record ProcessResult(int exitCode, String outputTail, long durationMillis, boolean timedOut, boolean stopped) {

    public ProcessResult(int exitCode, String outputTail, long durationMillis, boolean timedOut) {
        this(exitCode, outputTail, durationMillis, timedOut, false);
    }
}
