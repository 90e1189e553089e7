package dev.forgeline.support.git;

/**
 * A git command that failed. The message names the command and git's last words with every secret masked
 * (token file contents, URL userinfo); it may still name local paths, so REST answers should say what
 * {@link #failure()} means instead of echoing it.
 */
public class GitException extends RuntimeException {
    private final GitFailure failure;
    private final int exitCode;
    private final String command;
    private final String output;

    public GitException(GitFailure failure, String command, int exitCode, String output) {
        super("git " + command + " failed (" + failure + (exitCode >= 0 ? ", exit " + exitCode : "") + ")"
                + (output == null || output.isBlank() ? "" : ": " + output.strip()));
        this.failure = failure;
        this.exitCode = exitCode;
        this.command = command;
        this.output = output == null ? "" : output;
    }

    public GitFailure failure() {
        return failure;
    }

    /** The exit code of git, or -1 when it was killed after its timeout. */
    public int exitCode() {
        return exitCode;
    }

    /** The command without the options Forgeline adds, masked. */
    public String command() {
        return command;
    }

    /** git's standard error (and output), masked. */
    public String output() {
        return output;
    }
}
