package dev.forgeline.review.rest;

import java.util.List;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.review.service.MergeService;
import dev.forgeline.review.service.RevertService;

/** Merges on base branches, and reverting them by hand. {@code id} is the merge id or the merge commit. */
@Path("/merges")
@Produces(MediaType.APPLICATION_JSON)
public class MergeResource {
    private final MergeService merges;
    private final RevertService reverts;

    public MergeResource(MergeService merges, RevertService reverts) {
        this.merges = merges;
        this.reverts = reverts;
    }

    /** The latest 200 merges, newest first (reverted ones included). */
    @GET
    public List<ReviewView> list() {
        return merges.list();
    }

    @GET
    @Path("/{id}")
    public ReviewView get(@PathParam("id") String id) {
        return merges.get(id);
    }

    /** Reverts the merge with a revert commit; body {@code {"reviewer": "...", "reason": "..."}} optional. */
    @POST
    @Path("/{id}/revert")
    public ReviewView revert(@PathParam("id") String id, DecisionRequest request) {
        DecisionRequest body = request == null ? new DecisionRequest(null, null, null) : request;
        return reverts.revertByHand(id, body.reviewer(), body.text());
    }
}
