package dev.forgeline.dispatcher.rest;

import java.util.List;
import java.util.Map;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.NodeRegistration;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.node.NodeService;
import dev.forgeline.support.audit.AuditAction;
import dev.forgeline.support.audit.AuditTrail;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.auth.Roles;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Workers register their nodes here. */
@Path("/nodes")
@Tag(name = "Nodes", description = "Worker nodes: registration, drain, cordon")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {
    private final NodeService nodeService;

    private final SecurityIdentity caller;
    private final AuditTrail audit;

    public NodeResource(NodeService nodeService, SecurityIdentity caller, AuditTrail audit) {
        this.nodeService = nodeService;
        this.caller = caller;
        this.audit = audit;
    }

    @RolesAllowed(Roles.WORKER)
    @POST
    @Operation(
            summary = "Register a node, or update a known one",
            description = "A worker registers its name, capacity, labels, agent profiles and profile offers. The node"
                    + " is READY afterwards (a DEAD node is revived; a DRAINING or CORDONED one stays so).")
    @APIResponse(responseCode = "200", description = "The node as registered")
    @APIResponse(
            responseCode = "403",
            description = "A worker token registering another node than its own"
                    + " (https://forgeline.dev/problems/forbidden)")
    @APIResponse(
            responseCode = "400",
            description = "No body, or invalid fields, each named in errors"
                    + " (urn:forgeline:problem:invalid-node-registration)")
    @Consumes(MediaType.APPLICATION_JSON)
    public NodeView register(NodeRegistration registration) {
        if (registration != null && registration.name() != null) {
            Callers.requireNode(caller, registration.name());
        }
        return nodeService.register(registration);
    }

    @Authenticated
    @GET
    @Operation(
            summary = "Every registered node with its status and capacity",
            description = "instanceId (the worker process of the node) is shown to operators only: a node heartbeat"
                    + " that names a node's instance is taken as that node's own.")
    public List<NodeView> list() {
        List<NodeView> nodes = nodeService.list();
        if (caller.hasRole(Roles.OPERATOR) || caller.hasRole(Roles.ADMIN)) {
            return nodes;
        }
        return nodes.stream().map(NodeView::withoutInstance).toList();
    }

    /** No new leases; running attempts finish. 404 unknown node, 409 a DEAD node. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/{name}/drain")
    @Operation(summary = "Drain a node: no new leases; running attempts finish")
    @APIResponse(responseCode = "200", description = "The node, DRAINING")
    @APIResponse(responseCode = "404", description = "No node has this name (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The node is DEAD (urn:forgeline:problem:illegal-node-transition); nothing changes")
    @Transactional
    public NodeView drain(@PathParam("name") String name) {
        NodeView node = nodeService.drain(name);
        audit.record(AuditAction.NODE_DRAIN, name, null, Map.of("status", String.valueOf(node.status())));
        return node;
    }

    /** No new leases until uncordoned. 404 unknown node, 409 a DEAD or DRAINING node. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/{name}/cordon")
    @Operation(summary = "Cordon a node: no new leases until uncordoned")
    @APIResponse(responseCode = "200", description = "The node, CORDONED")
    @APIResponse(responseCode = "404", description = "No node has this name (about:blank)")
    @APIResponse(
            responseCode = "409",
            description =
                    "The node is DEAD or DRAINING (urn:forgeline:problem:illegal-node-transition); nothing changes")
    @Transactional
    public NodeView cordon(@PathParam("name") String name) {
        NodeView node = nodeService.cordon(name);
        audit.record(AuditAction.NODE_CORDON, name, null, Map.of("status", String.valueOf(node.status())));
        return node;
    }

    /** Takes leases again. 404 unknown node, 409 a DEAD node. */
    @RolesAllowed(Roles.OPERATOR)
    @POST
    @Path("/{name}/uncordon")
    @Operation(summary = "Uncordon a node: it takes leases again")
    @APIResponse(responseCode = "200", description = "The node, READY")
    @APIResponse(responseCode = "404", description = "No node has this name (about:blank)")
    @APIResponse(
            responseCode = "409",
            description = "The node is DEAD (urn:forgeline:problem:illegal-node-transition); nothing changes")
    @Transactional
    public NodeView uncordon(@PathParam("name") String name) {
        NodeView node = nodeService.uncordon(name);
        audit.record(AuditAction.NODE_UNCORDON, name, null, Map.of("status", String.valueOf(node.status())));
        return node;
    }
}
