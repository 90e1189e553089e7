package dev.forgeline.support.git;

/** What {@code git ls-remote} found out about a repository and one of its branches. */
public record RemoteCheck(Status status, String commit) {
    public enum Status {
        /** The repository answered and has the branch. */
        REACHABLE,
        /** The repository answered but has no such branch. */
        BRANCH_MISSING,
        /** The server refused the credentials, or asked for some and none are configured. */
        AUTH_FAILED,
        /** No repository at that address. */
        NOT_FOUND,
        /** The host did not answer (or not in time, or only with errors). */
        UNREACHABLE
    }

    public boolean reachable() {
        return status == Status.REACHABLE;
    }
}
