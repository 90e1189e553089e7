package dev.forgeline.worker.adapter;

/**
 * Runs one kind of coding agent on one attempt. The worker judges the work itself (its own test run and diff),
 * so an adapter only reports how the agent ended and what it used.
 */
public interface AgentAdapter {
    /** The adapter id a task's agent profile or {@code forgeline.worker.agent} names. */
    String id();

    /**
     * Runs the agent in the invocation's worktree until it exits or the deadline passes.
     *
     * @throws InterruptedException the worker is shutting down
     */
    AgentRun run(AgentInvocation invocation) throws InterruptedException;
}
