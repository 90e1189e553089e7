package dev.forgeline.worker.git;

/** A git command that failed; the message names the command and carries git's own explanation. */
public class GitCommandException extends Exception {
    public GitCommandException(String message) {
        super(message);
    }

    public GitCommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
