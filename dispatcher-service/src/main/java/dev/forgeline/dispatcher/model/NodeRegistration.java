package dev.forgeline.dispatcher.model;

import java.util.List;
import java.util.Map;

/**
 * A worker's request to register (or update) its node.
 *
 * @param labels        what the node offers, such as {@code os=linux}; a task runs only where all its labels match
 * @param agentProfiles the agent profiles the node can run; empty means any
 */
public record NodeRegistration(String name, Integer capacity, Map<String, String> labels, List<String> agentProfiles) {}
