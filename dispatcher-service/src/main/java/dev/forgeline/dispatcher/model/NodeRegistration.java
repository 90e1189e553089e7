package dev.forgeline.dispatcher.model;

import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.payload.ProfileOffer;

/**
 * A worker's request to register (or update) its node.
 *
 * @param labels        what the node offers, such as {@code os=linux}; a task runs only where all its labels match
 * @param agentProfiles the agent profiles the node can run; empty (and no offers) means any
 * @param profileOffers the agent profiles it offers with adapter, model and context size, its default first; a
 *                      CONTEXT_EXHAUSTED retry moves to the smallest offered profile with a larger context
 * @param instanceId    the worker process registering (it changes when the worker restarts); a node heartbeat that
 *                      announces a new instance is applied only once that instance has registered
 */
public record NodeRegistration(
        String name,
        Integer capacity,
        Map<String, String> labels,
        List<String> agentProfiles,
        List<ProfileOffer> profileOffers,
        String instanceId) {
    /** A registration that names profiles only. */
    public NodeRegistration(String name, Integer capacity, Map<String, String> labels, List<String> agentProfiles) {
        this(name, capacity, labels, agentProfiles, null, null);
    }
}
