package dev.forgeline.planner.rest;

import java.util.List;
import java.util.UUID;
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
import dev.forgeline.support.problem.ProblemException;

/** Decisions the planner waits for: list them, read one, answer one. */
@Path("/decisions")
@Produces(MediaType.APPLICATION_JSON)
public class DecisionResource {
    private final DecisionService decisions;

    public DecisionResource(DecisionService decisions) {
        this.decisions = decisions;
    }

    /** Open decisions, oldest first; {@code ?all=true} lists decided ones too, newest first. */
    @GET
    public List<DecisionView> list(@QueryParam("all") boolean all) {
        return decisions.list(!all);
    }

    @GET
    @Path("{id}")
    public DecisionView get(@PathParam("id") String id) {
        return decisions.get(uuid(id));
    }

    @POST
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public DecisionView answer(@PathParam("id") String id, DecisionAnswer answer) {
        return decisions.answer(uuid(id), answer);
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("decision '" + id + "' does not exist");
        }
    }
}
