package dev.forgeline.planner.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.planner.dto.DecisionAnswer;
import dev.forgeline.planner.dto.DecisionView;
import dev.forgeline.planner.service.DecisionService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.ApiTokens;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Decisions the planner waits for: list them, read one, answer one. */
@Path("/decisions")
@Tag(name = "Decisions", description = "Decisions the planner waits for")
@Produces(MediaType.APPLICATION_JSON)
public class DecisionResource {
    private final DecisionService decisions;
    private final AuditTrail audit;
    private final SecurityIdentity caller;
    private final ApiTokens tokens;

    public DecisionResource(DecisionService decisions, AuditTrail audit, SecurityIdentity caller, ApiTokens tokens) {
        this.decisions = decisions;
        this.audit = audit;
        this.caller = caller;
        this.tokens = tokens;
    }

    /** Open decisions, oldest first; {@code ?all=true} lists decided ones too, newest first. */
    @Authenticated
    @GET
    @Operation(summary = "Open decisions, oldest first; all=true lists decided ones too, newest first")
    public List<DecisionView> list(@QueryParam("all") boolean all) {
        return decisions.list(!all, caller);
    }

    @Authenticated
    @GET
    @Path("{id}")
    @Operation(summary = "One decision")
    @APIResponse(responseCode = "200", description = "The decision")
    @APIResponse(
            responseCode = "404",
            description = "No decision has this id, or its spec is of a project the caller does not see (about:blank)")
    public DecisionView get(@PathParam("id") String id) {
        return decisions.get(uuid(id), caller);
    }

    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("{id}")
    @Operation(
            summary = "Answer a decision",
            description = "A spec-quality or split decision is answered with amend (new task text; a split with"
                    + " '## Task:' sections) or override (with a reason); a blocked-by-failure decision with retry,"
                    + " skip or cancel. decidedBy is required when authentication is off; with tokens the decision is"
                    + " recorded under the token's name and decidedBy is ignored.")
    @APIResponse(responseCode = "200", description = "The decision as made")
    @APIResponse(
            responseCode = "400",
            description = "The answer is incomplete or does not fit the decision: action, decidedBy, reason or text"
                    + " missing or invalid, an amendment or split that does not parse ("
                    + DecisionService.DECISION_REFUSED
                    + "; errors name the field)")
    @APIResponse(
            responseCode = "404",
            description = "No decision has this id, or its spec is of a project the caller does not see (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The decision was already made, or its task no longer waits for it ("
                    + DecisionService.DECISION_REFUSED + ")")
    @APIResponse(
            responseCode = "422",
            description = "The amended task still scores VAGUE (" + DecisionService.DECISION_REFUSED
                    + "; errors list what is missing)")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public DecisionView answer(@PathParam("id") String id, DecisionAnswer answer) {
        // with tokens on, a decision is the caller's: the body's decidedBy is ignored
        UUID decisionId = uuid(id);
        DecisionAnswer asCaller = answer == null
                ? null
                : new DecisionAnswer(
                        answer.action(),
                        answer.text(),
                        answer.reason(),
                        Callers.recordedAs(caller, tokens, answer.decidedBy()));
        DecisionView decided = decisions.answer(decisionId, asCaller, caller);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", asCaller.action());
        details.put("decidedBy", decided.decidedBy());
        details.put("outcome", decided.outcome());
        details.put("task", decided.specId() + "/" + decided.taskId());
        audit.record(AuditAction.DECISION_ANSWER, decided.id().toString(), asCaller.reason(), details);
        return decided;
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("decision '" + id + "' does not exist");
        }
    }
}
