package dev.forgeline.dispatcher.rest;

import java.util.List;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.dispatcher.model.NodeRegistration;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.service.NodeService;

/** Workers register their nodes here. */
@Path("/nodes")
@Produces(MediaType.APPLICATION_JSON)
public class NodeResource {
    private final NodeService nodeService;

    public NodeResource(NodeService nodeService) {
        this.nodeService = nodeService;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public NodeView register(NodeRegistration registration) {
        return nodeService.register(registration);
    }

    @GET
    public List<NodeView> list() {
        return nodeService.list();
    }

    /** No new leases; running attempts finish. 404 unknown node, 409 a DEAD node. */
    @POST
    @Path("/{name}/drain")
    public NodeView drain(@PathParam("name") String name) {
        return nodeService.drain(name);
    }

    /** No new leases until uncordoned. 404 unknown node, 409 a DEAD or DRAINING node. */
    @POST
    @Path("/{name}/cordon")
    public NodeView cordon(@PathParam("name") String name) {
        return nodeService.cordon(name);
    }

    /** Takes leases again. 404 unknown node, 409 a DEAD node. */
    @POST
    @Path("/{name}/uncordon")
    public NodeView uncordon(@PathParam("name") String name) {
        return nodeService.uncordon(name);
    }
}
