package dev.forgeline.worker.adapter;

import dev.forgeline.contracts.payload.AgentUsage;

/**
 * How an agent run ended.
 *
 * @param exitCode   the agent's exit code (meaningless when timed out)
 * @param outputTail its last output lines, secrets masked
 * @param timedOut   it was stopped at the deadline
 */
public record AgentRun(int exitCode, String outputTail, AgentUsage usage, long durationMillis, boolean timedOut) {}
