package dev.forgeline.worker.model;

import java.util.List;
import java.util.Map;

/** The body of {@code POST /nodes} on the dispatcher: who this worker is and what it can run. */
public record NodeRegistration(String name, int capacity, Map<String, String> labels, List<String> agentProfiles) {}
