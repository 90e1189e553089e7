package dev.forgeline.dispatcher.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.lease.LeaseFeed;
import dev.forgeline.dispatcher.model.LeaseFeedPage;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.auth.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A worker reads its node's leases and revocations here (a long poll). */
@Path("/nodes/{name}/leases")
@Tag(name = "Nodes", description = "Worker nodes: registration, drain, cordon")
@Produces(MediaType.APPLICATION_JSON)
public class LeaseFeedResource {
    private final LeaseFeed feed;
    private final SecurityIdentity caller;

    public LeaseFeedResource(LeaseFeed feed, SecurityIdentity caller) {
        this.feed = feed;
        this.caller = caller;
    }

    /** Only the node's own worker (or an admin) reads its leases: they carry the task's commands and context. */
    @RolesAllowed(Roles.WORKER)
    @GET
    @Operation(
            summary = "The node's lease feed: its leases and revocations, oldest first",
            description = "Events after position `after` (without it: after what the node's worker read last, which"
                    + " is where a restarted worker resumes). Asking for `after=n` records that everything up to n"
                    + " has been read. With `wait` > 0 and nothing to read, answers when an event arrives or after"
                    + " `wait` seconds with an empty page.")
    @APIResponse(responseCode = "200", description = "A page of the feed; ask for `after=next` next")
    @APIResponse(
            responseCode = "400",
            description = "after below 0, wait outside 0..60 or limit outside 1..1000, each named in errors"
                    + " (urn:forgeline:problem:invalid-lease-feed-query)")
    @APIResponse(
            responseCode = "403",
            description = "A worker token reading another node's feed (https://forgeline.dev/problems/forbidden)")
    @APIResponse(responseCode = "404", description = "No node has this name (about:blank)")
    public Uni<LeaseFeedPage> read(
            @PathParam("name") String name,
            @QueryParam("after") Long after,
            @QueryParam("wait") Integer waitSeconds,
            @QueryParam("limit") Integer limit) {
        Callers.requireNode(caller, name);
        return feed.read(name, after, waitSeconds, limit);
    }
}
