package dev.forgeline.support.auth;

import java.util.List;

/**
 * The roles an API token can carry. A GET needs any valid token; each other operation names the roles allowed to
 * call it with {@code @RolesAllowed}. {@code admin} may call everything.
 */
public final class Roles {
    /** Submits, amends and lints specs. */
    public static final String SUBMITTER = "submitter";
    /** Approves, rejects, requests changes, reverts merges. */
    public static final String REVIEWER = "reviewer";
    /** Runs the fleet: nodes, dispatch gates, task cancel/retry, review capacity, answers to decisions. */
    public static final String OPERATOR = "operator";
    /** A worker node: registers itself with the dispatcher (only under its own node name). */
    public static final String WORKER = "worker";
    /** Everything, and the tokens themselves. */
    public static final String ADMIN = "admin";

    /** Every role: a token with this role list can call anything; also what {@code forgeline.auth.mode=off} gives. */
    public static final List<String> ALL = List.of(SUBMITTER, REVIEWER, OPERATOR, WORKER, ADMIN);

    /** A {@code projects} entry meaning every project. */
    public static final String ALL_PROJECTS = "*";

    private Roles() {}
}
