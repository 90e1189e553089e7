package dev.forgeline.support.git;

/** Why a git command failed, as read from git's own messages. */
public enum GitFailure {
    /** The server refused the credentials, or there were none where some are needed. */
    AUTH_FAILED,
    /** The repository (or the local path) does not exist, or is not a git repository. */
    NOT_FOUND,
    /** The host could not be reached, or kept failing (5xx, reset connections) through every retry. */
    UNREACHABLE,
    /** The command did not finish within its time limit; its process tree was killed. */
    TIMEOUT,
    /** A push was refused: not a fast-forward, a protected branch, a declining hook on the server. */
    REJECTED,
    /** A merge, rebase or cherry-pick stopped on conflicting changes. */
    CONFLICT,
    /** Anything else (a lock held through every retry, a bad revision, ...). */
    OTHER
}
