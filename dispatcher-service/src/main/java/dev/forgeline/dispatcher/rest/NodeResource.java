package dev.forgeline.dispatcher.rest;

import dev.forgeline.dispatcher.model.NodeRegistration;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.service.NodeService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

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
}
