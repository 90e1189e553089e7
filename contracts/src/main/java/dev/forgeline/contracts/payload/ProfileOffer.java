package dev.forgeline.contracts.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * An agent profile a node really offers, as the node advertises it.
 *
 * @param name          the profile name a lease can ask for
 * @param adapter       the agent adapter that runs it (claude-code, codex, gemini, aider, command, simulated)
 * @param model         the model it runs, null when the adapter's own default
 * @param contextTokens the model's context window in tokens; 0 when the node does not know it
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProfileOffer(String name, String adapter, String model, int contextTokens) {}
