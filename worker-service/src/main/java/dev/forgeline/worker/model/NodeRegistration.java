package dev.forgeline.worker.model;

import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.payload.ProfileOffer;

/**
 * The body of {@code POST /nodes} on the dispatcher: who this worker is and what it can run.
 *
 * @param profileOffers the profiles it offers with adapter, model and context size, its default first
 * @param instanceId    this worker process, as its node heartbeats name it: the dispatcher applies a heartbeat of a
 *                      new instance only once that instance registered
 */
public record NodeRegistration(
        String name,
        int capacity,
        Map<String, String> labels,
        List<String> agentProfiles,
        List<ProfileOffer> profileOffers,
        String instanceId) {}
