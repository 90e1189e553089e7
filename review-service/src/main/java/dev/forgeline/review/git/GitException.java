package dev.forgeline.review.git;

/** A git command that failed, or could not be run. */
public class GitException extends RuntimeException {
    public GitException(String message) {
        super(message);
    }

    public GitException(String message, Throwable cause) {
        super(message, cause);
    }
}
