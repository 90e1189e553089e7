package dev.forgeline.support.audit;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One recorded action.
 *
 * @param id      increasing with each entry of the service
 * @param at      when (the database's clock, the transaction's start)
 * @param actor   the authenticated identity's name ({@code anonymous} with authentication off)
 * @param roles   the identity's roles at the time
 * @param action  what was done ({@link AuditAction#code()})
 * @param target  what it was done to: a spec, task ({@code specId/taskId}), node, merge or decision id; null for
 *                service-wide actions
 * @param reason  why, as the caller gave it; null when none was given
 * @param details a small JSON object: e.g. the decision chosen
 */
public record AuditEntry(
        long id,
        Instant at,
        String actor,
        List<String> roles,
        String action,
        String target,
        String reason,
        JsonNode details) {}
