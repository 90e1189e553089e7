package dev.forgeline.dispatcher.service;

import dev.forgeline.dispatcher.mapping.NodeMapper;
import dev.forgeline.dispatcher.model.NodeRegistration;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The node registry. */
@ApplicationScoped
public class NodeService {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final int MAX_NAME_LENGTH = 128;
    static final int MAX_CAPACITY = 256;
    static final String INVALID_NODE = "urn:forgeline:problem:invalid-node-registration";

    private final NodeRepository nodes;
    private final DispatchLoop dispatchLoop;

    public NodeService(NodeRepository nodes, DispatchLoop dispatchLoop) {
        this.nodes = nodes;
        this.dispatchLoop = dispatchLoop;
    }

    /**
     * Registers a node, or updates it when the name is known (a restarted worker registers again). The node is
     * ACTIVE afterwards; leases it already holds keep counting against its capacity.
     *
     * @throws ProblemException 400 listing every invalid field
     */
    @Transactional
    public NodeView register(NodeRegistration registration) {
        validate(registration);
        List<String> profiles = registration.agentProfiles() == null ? List.of() : registration.agentProfiles();
        Map<String, String> labels = registration.labels() == null ? Map.of() : registration.labels();
        nodes.upsert(registration.name(), registration.capacity(), labels, profiles);
        dispatchLoop.wakeAfterCommit();
        return NodeMapper.toView(nodes.findById(registration.name()));
    }

    @Transactional
    public List<NodeView> list() {
        return nodes.listAll(Sort.by("name")).stream().map(NodeMapper::toView).toList();
    }

    private static void validate(NodeRegistration registration) {
        if (registration == null) {
            throw ProblemException.badRequest(INVALID_NODE, "Invalid node registration", "the request has no body",
                    List.of(new ProblemError("a JSON object {name, capacity, labels, agentProfiles} is required", null,
                            null)));
        }
        List<ProblemError> errors = new ArrayList<>();
        String name = registration.name();
        if (name == null || name.isBlank()) {
            errors.add(new ProblemError("name is required", null, "name"));
        } else if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
            errors.add(new ProblemError("name must match " + NAME.pattern() + " and have at most " + MAX_NAME_LENGTH
                    + " characters", null, "name"));
        }
        Integer capacity = registration.capacity();
        if (capacity == null) {
            errors.add(new ProblemError("capacity is required", null, "capacity"));
        } else if (capacity < 1 || capacity > MAX_CAPACITY) {
            errors.add(new ProblemError("capacity must be between 1 and " + MAX_CAPACITY + ", was " + capacity, null,
                    "capacity"));
        }
        if (registration.labels() != null) {
            registration.labels().forEach((key, value) -> {
                if (key == null || key.isBlank() || value == null) {
                    errors.add(new ProblemError("labels need a non-blank key and a value: '" + key + "'", null,
                            "labels"));
                }
            });
        }
        if (registration.agentProfiles() != null
                && registration.agentProfiles().stream().anyMatch(p -> p == null || p.isBlank())) {
            errors.add(new ProblemError("agent profiles must not be blank", null, "agentProfiles"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(INVALID_NODE, "Invalid node registration",
                    errors.size() + " field(s) of the registration are invalid", errors);
        }
    }
}
