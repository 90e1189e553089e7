package dev.forgeline.dispatcher.node;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.payload.NodeHeartbeat;
import dev.forgeline.contracts.payload.ProfileOffer;
import dev.forgeline.dispatcher.dispatch.DispatchLoop;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.domain.Node;
import dev.forgeline.dispatcher.domain.NodeStatus;
import dev.forgeline.dispatcher.mapping.NodeMapper;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.model.NodeRegistration;
import dev.forgeline.dispatcher.model.NodeView;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.support.auth.ApiTokens;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.panache.common.Sort;
import org.jboss.logging.Logger;

/** The node registry. */
@ApplicationScoped
public class NodeService {
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    static final int MAX_NAME_LENGTH = 128;
    static final int MAX_CAPACITY = 256;
    static final String INVALID_NODE = "urn:forgeline:problem:invalid-node-registration";

    private static final Logger LOG = Logger.getLogger(NodeService.class);

    private final NodeRepository nodes;
    private final DispatchLoop dispatchLoop;
    private final DispatcherMetrics metrics;
    private final CounterRepository counters;
    private final ApiTokens tokens;

    public NodeService(
            NodeRepository nodes,
            DispatchLoop dispatchLoop,
            DispatcherMetrics metrics,
            CounterRepository counters,
            ApiTokens tokens) {
        this.nodes = nodes;
        this.dispatchLoop = dispatchLoop;
        this.metrics = metrics;
        this.counters = counters;
        this.tokens = tokens;
    }

    /**
     * Registers a node, or updates it when the name is known (a restarted worker registers again). The node is
     * READY afterwards (a DEAD node is revived; a DRAINING or CORDONED one stays so); leases it already holds keep counting against its capacity.
     *
     * @throws ProblemException 400 listing every invalid field
     */
    @Transactional
    public NodeView register(NodeRegistration registration) {
        validate(registration);
        List<String> profiles = registration.agentProfiles() == null ? List.of() : registration.agentProfiles();
        Map<String, String> labels = registration.labels() == null ? Map.of() : registration.labels();
        List<ProfileOffer> offers = registration.profileOffers() == null ? List.of() : registration.profileOffers();
        nodes.upsert(registration.name(), registration.capacity(), labels, profiles, offers, registration.instanceId());
        dispatchLoop.wakeAfterCommit();
        return NodeMapper.toView(nodes.findById(registration.name()));
    }

    /**
     * Applies a NODE_HEARTBEAT: registers or updates the node, revives a DEAD one, and when the worker restarted
     * (new instance id) lets the supervisor's next pass (within a second) orphan the old instance's leases. A new
     * instance counts only once it has registered over the authenticated API: until then its heartbeats are refused
     * and counted, since any worker credential can write a heartbeat naming any node. With API tokens on, a node
     * that never registered is refused the same way (with them off, as in tests, a heartbeat makes the node).
     */
    @Transactional
    public void applyNodeHeartbeat(NodeHeartbeat heartbeat) {
        metrics.heartbeat("node");
        if (heartbeat.nodeName() == null || !NAME.matcher(heartbeat.nodeName()).matches()) {
            LOG.warnf("node heartbeat with an invalid node name '%s' ignored", heartbeat.nodeName());
            return;
        }
        NodeRepository.Known before = nodes.lockForHeartbeat(heartbeat.nodeName());
        if (before == null && tokens.enabled()) {
            // with API tokens on, a node exists only once its own credential registered it
            counters.increment(Counter.REFUSED_NODE_HEARTBEATS, 1);
            LOG.warnf(
                    "node heartbeat of %s from instance %s refused: no such node has registered (a worker registers"
                            + " over POST /nodes with its own token before its heartbeats count)",
                    heartbeat.nodeName(), heartbeat.instanceId());
            return;
        }
        if (before != null && !before.accepts(heartbeat.instanceId())) {
            counters.increment(Counter.REFUSED_NODE_HEARTBEATS, 1);
            LOG.warnf(
                    "node heartbeat of %s from instance %s refused: the node runs instance %s and %s registered"
                            + " (a restarted worker registers before its heartbeats count)",
                    heartbeat.nodeName(),
                    heartbeat.instanceId(),
                    before.instanceId(),
                    before.registeredInstanceId() == null
                            ? "no instance has"
                            : "instance " + before.registeredInstanceId() + " has");
            return;
        }
        nodes.applyNodeHeartbeat(
                heartbeat.nodeName(),
                heartbeat.kind(),
                heartbeat.instanceId(),
                heartbeat.capacity(),
                heartbeat.labels(),
                heartbeat.agentProfiles(),
                heartbeat.profileOffers().stream()
                        .filter(o -> o != null && o.name() != null && !o.name().isBlank())
                        .toList());
        if (before != null
                && before.instanceId() != null
                && !before.instanceId().equals(heartbeat.instanceId())) {
            LOG.infof(
                    "node %s restarted: instance %s replaces %s; the old instance's leases are orphaned",
                    heartbeat.nodeName(), heartbeat.instanceId(), before.instanceId());
        }
        if (before == null || "DEAD".equals(before.status())) {
            dispatchLoop.wakeAfterCommit();
        }
    }

    /**
     * Applies several NODE_HEARTBEATs and touches the nodes of attempt heartbeats already recorded, in the caller's
     * transaction: locks all these nodes first, in name order, so that a batch and a dispatch round (or another batch)
     * cannot each hold a node the other waits for. A node's heartbeats are applied in the order given.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void applyNodeHeartbeats(List<NodeHeartbeat> heartbeats, Collection<String> attemptNodes) {
        SortedSet<String> names = new TreeSet<>(attemptNodes);
        heartbeats.stream()
                .map(NodeHeartbeat::nodeName)
                .filter(n -> n != null && NAME.matcher(n).matches())
                .forEach(names::add);
        nodes.lockInNameOrder(names);
        heartbeats.stream()
                .sorted(Comparator.comparing(
                        NodeHeartbeat::nodeName, Comparator.nullsFirst(Comparator.<String>naturalOrder())))
                .forEach(this::applyNodeHeartbeat);
        Set<String> onlyTouched = new TreeSet<>(attemptNodes);
        heartbeats.forEach(h -> onlyTouched.remove(h.nodeName()));
        nodes.touchAll(onlyTouched);
    }

    /** No new leases; running attempts finish (in cluster mode the pod goes once the node is idle). */
    @Transactional
    public NodeView drain(String name) {
        return transition(
                name,
                NodeStatus.DRAINING,
                "drained by an operator",
                EnumSet.of(NodeStatus.READY, NodeStatus.CORDONED, NodeStatus.DRAINING));
    }

    /** No new leases; running attempts go on; the node stays until uncordoned. */
    @Transactional
    public NodeView cordon(String name) {
        return transition(
                name,
                NodeStatus.CORDONED,
                "cordoned by an operator",
                EnumSet.of(NodeStatus.READY, NodeStatus.CORDONED));
    }

    /** Takes new leases again. */
    @Transactional
    public NodeView uncordon(String name) {
        NodeView view = transition(
                name, NodeStatus.READY, null, EnumSet.of(NodeStatus.READY, NodeStatus.CORDONED, NodeStatus.DRAINING));
        dispatchLoop.wakeAfterCommit();
        return view;
    }

    private NodeView transition(String name, NodeStatus to, String reason, Set<NodeStatus> from) {
        Node node = nodes.findById(name, LockModeType.PESSIMISTIC_WRITE);
        if (node == null) {
            throw ProblemException.notFound("node " + name + " is not registered");
        }
        if (!from.contains(node.status)) {
            throw new ProblemException(
                    409,
                    "urn:forgeline:problem:illegal-node-transition",
                    "Illegal node transition",
                    "node " + name + " is " + node.status + "; it cannot become " + to
                            + (node.status == NodeStatus.DEAD
                                    ? " (a DEAD node comes back by registering or heartbeating)"
                                    : ""),
                    List.of(new ProblemError("status is " + node.status, null, "status")));
        }
        if (node.status != to) {
            nodes.setStatus(name, to.name(), reason);
            nodes.getEntityManager().refresh(node);
            LOG.infof("node %s: %s -> %s", name, node.status, to);
        }
        return NodeMapper.toView(node);
    }

    @Transactional
    public List<NodeView> list() {
        return nodes.listAll(Sort.by("name")).stream().map(NodeMapper::toView).toList();
    }

    private static void validate(NodeRegistration registration) {
        if (registration == null) {
            throw ProblemException.badRequest(
                    INVALID_NODE,
                    "Invalid node registration",
                    "the request has no body",
                    List.of(new ProblemError(
                            "a JSON object {name, capacity, labels, agentProfiles} is required", null, null)));
        }
        List<ProblemError> errors = new ArrayList<>();
        String name = registration.name();
        if (name == null || name.isBlank()) {
            errors.add(new ProblemError("name is required", null, "name"));
        } else if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
            errors.add(new ProblemError(
                    "name must match " + NAME.pattern() + " and have at most " + MAX_NAME_LENGTH + " characters",
                    null,
                    "name"));
        }
        Integer capacity = registration.capacity();
        if (capacity == null) {
            errors.add(new ProblemError("capacity is required", null, "capacity"));
        } else if (capacity < 1 || capacity > MAX_CAPACITY) {
            errors.add(new ProblemError(
                    "capacity must be between 1 and " + MAX_CAPACITY + ", was " + capacity, null, "capacity"));
        }
        if (registration.labels() != null) {
            registration.labels().forEach((key, value) -> {
                if (key == null || key.isBlank() || value == null) {
                    errors.add(
                            new ProblemError("labels need a non-blank key and a value: '" + key + "'", null, "labels"));
                }
            });
        }
        if (registration.instanceId() != null
                && (registration.instanceId().length() > MAX_NAME_LENGTH
                        || !NAME.matcher(registration.instanceId()).matches())) {
            errors.add(new ProblemError(
                    "instanceId must match " + NAME.pattern() + " and have at most " + MAX_NAME_LENGTH + " characters",
                    null,
                    "instanceId"));
        }
        if (registration.agentProfiles() != null
                && registration.agentProfiles().stream().anyMatch(p -> p == null || p.isBlank())) {
            errors.add(new ProblemError("agent profiles must not be blank", null, "agentProfiles"));
        }
        if (registration.profileOffers() != null) {
            for (int i = 0; i < registration.profileOffers().size(); i++) {
                ProfileOffer offer = registration.profileOffers().get(i);
                String field = "profileOffers[" + i + "]";
                if (offer == null || offer.name() == null || offer.name().isBlank()) {
                    errors.add(new ProblemError("a profile offer needs a name", null, field + ".name"));
                } else if (offer.contextTokens() < 0) {
                    errors.add(new ProblemError(
                            "contextTokens must be 0 (unknown) or more, was " + offer.contextTokens(),
                            null,
                            field + ".contextTokens"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.badRequest(
                    INVALID_NODE,
                    "Invalid node registration",
                    errors.size() + " field(s) of the registration are invalid",
                    errors);
        }
    }
}
