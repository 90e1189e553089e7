package dev.forgeline.dispatcher.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.BreakerState;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.PreviousAttempt;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.contracts.payload.TaskStateChanged;
import dev.forgeline.dispatcher.breaker.BreakerService;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.dispatch.TaskPlacement.Placement;
import dev.forgeline.dispatcher.domain.Counter;
import dev.forgeline.dispatcher.lease.LeaseFeed;
import dev.forgeline.dispatcher.metrics.DispatcherMetrics;
import dev.forgeline.dispatcher.repository.BreakerRepository;
import dev.forgeline.dispatcher.repository.BreakerRepository.BreakerRow;
import dev.forgeline.dispatcher.repository.CounterRepository;
import dev.forgeline.dispatcher.repository.GateRepository;
import dev.forgeline.dispatcher.repository.GateRepository.Gate;
import dev.forgeline.dispatcher.repository.LeaseRepository;
import dev.forgeline.dispatcher.repository.LeaseRepository.NewLease;
import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.NodeRepository.FreeNode;
import dev.forgeline.dispatcher.repository.TaskRepository;
import dev.forgeline.dispatcher.repository.TaskRepository.DispatchableTask;
import dev.forgeline.dispatcher.repository.TaskRepository.Exclusions;
import dev.forgeline.support.outbox.Outbox;
import dev.forgeline.support.outbox.Outbox.Event;

/**
 * One dispatch round: grants leases for READY tasks on nodes with free slots, in one transaction with a
 * handful of set-based statements however many leases it grants. Safe to run from many threads and instances
 * at once: node rows are locked in name order (capacity), task rows with SKIP LOCKED (no task twice).
 */
@ApplicationScoped
public class DispatchService {
    private final NodeRepository nodes;
    private final TaskRepository tasks;
    private final LeaseRepository leases;
    private final CounterRepository counters;
    private final Outbox outbox;
    private final DispatcherConfig config;
    private final ObjectMapper json;
    private final GateRepository gates;
    private final BreakerRepository breakers;
    private final DispatcherMetrics metrics;
    private final LeaseFeed leaseFeed;

    public DispatchService(
            NodeRepository nodes,
            TaskRepository tasks,
            LeaseRepository leases,
            CounterRepository counters,
            Outbox outbox,
            DispatcherConfig config,
            ObjectMapper json,
            GateRepository gates,
            BreakerRepository breakers,
            DispatcherMetrics metrics,
            LeaseFeed leaseFeed) {
        this.leaseFeed = leaseFeed;
        this.gates = gates;
        this.breakers = breakers;
        this.metrics = metrics;
        this.nodes = nodes;
        this.tasks = tasks;
        this.leases = leases;
        this.counters = counters;
        this.outbox = outbox;
        this.config = config;
        this.json = json;
    }

    /**
     * What a round did.
     *
     * @param limit      tasks the round asked for: free slots, at most one batch
     * @param candidates READY tasks it locked
     * @param granted    leases it granted
     */
    public record DispatchRound(int limit, int candidates, int granted) {
        static final DispatchRound IDLE = new DispatchRound(0, 0, 0);
    }

    /** Grants as many leases as free slots and READY tasks allow, up to one batch. */
    @Transactional
    public DispatchRound dispatchRound() {
        List<Gate> gates = this.gates.active();
        if (gates.stream().anyMatch(Gate::global)) {
            return DispatchRound.IDLE;
        }
        // breakers: OPEN (or HALF_OPEN with its probe out) blocks; HALF_OPEN lets one probe lease through
        Set<String> blockedNodes = new HashSet<>();
        Set<String> blockedProfiles = new HashSet<>();
        Set<String> probeNodes = new HashSet<>();
        Set<String> probeProfiles = new HashSet<>();
        boolean globalProbe = false;
        List<BreakerRow> notClosed = breakers.lockNotClosed();
        for (BreakerRow breaker : notClosed) {
            boolean probeFree = breaker.state() == BreakerState.HALF_OPEN && breaker.probeLeaseId() == null;
            switch (breaker.scope()) {
                case BreakerService.GLOBAL -> {
                    if (!probeFree) {
                        return DispatchRound.IDLE;
                    }
                    globalProbe = true;
                }
                case BreakerService.NODE -> (probeFree ? probeNodes : blockedNodes).add(breaker.key());
                case BreakerService.PROFILE -> (probeFree ? probeProfiles : blockedProfiles).add(breaker.key());
                default -> {}
            }
        }
        List<FreeNode> freeNodes = nodes.lockActiveWithFreeSlots(blockedNodes).stream()
                .map(n -> probeNodes.contains(n.name()) && n.freeSlots() > 1
                        ? new FreeNode(n.name(), n.activeLeases() + 1, n.activeLeases(), n.labels(), n.agentProfiles())
                        : n)
                .toList();
        int freeSlots = freeNodes.stream().mapToInt(FreeNode::freeSlots).sum();
        if (freeSlots <= 0) {
            return DispatchRound.IDLE;
        }
        int limit = globalProbe ? 1 : Math.min(freeSlots, config.batchSize());
        List<String> heldSpecs = gates.stream()
                .filter(g -> g.name().startsWith(GateRepository.BUDGET_SPEC))
                .map(Gate::specId)
                .toList();
        boolean holdReview = gates.stream().anyMatch(g -> g.name().equals(GateRepository.REVIEW_BACKLOG));
        List<DispatchableTask> locked = tasks.lockDispatchable(
                freeNodes.stream().map(FreeNode::name).toList(),
                limit,
                new Exclusions(
                        heldSpecs,
                        holdReview,
                        List.copyOf(blockedProfiles),
                        config.starvationLimit().toMillis(),
                        config.fairShareWindow().toMillis()));
        if (locked.isEmpty()) {
            return new DispatchRound(limit, 0, 0);
        }
        // one probe per half-open profile
        Set<String> probed = new HashSet<>();
        List<DispatchableTask> candidates = locked.stream()
                .filter(t -> !probeProfiles.contains(profileKey(t)) || probed.add(profileKey(t)))
                .toList();
        List<Placement> placements = TaskPlacement.place(candidates, freeNodes);
        if (placements.isEmpty()) {
            return new DispatchRound(limit, candidates.size(), 0);
        }
        // taken after the node locks: a lease never starts before the commit that freed its slot
        Instant leasedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        long[] tokens = leases.nextFencingTokens(placements.size());
        List<NewLease> granted = new ArrayList<>(placements.size());
        Map<String, Integer> grantedByNode = new HashMap<>();
        for (int i = 0; i < placements.size(); i++) {
            Placement placement = placements.get(i);
            DispatchableTask task = placement.task();
            granted.add(new NewLease(
                    UUID.randomUUID(),
                    task.specId(),
                    task.taskId(),
                    placement.nodeName(),
                    tokens[i],
                    task.attempt() + 1,
                    leasedAt,
                    leasedAt.plus(leaseDuration(task.estimateSeconds())),
                    task.effectiveProfile()));
            grantedByNode.merge(placement.nodeName(), 1, Integer::sum);
        }
        leases.insertAll(granted);
        tasks.markLeased(granted, leasedAt);
        nodes.addActiveLeases(grantedByNode);
        int heartbeatSeconds = (int) Math.max(1, config.heartbeatInterval().toSeconds());
        List<Event> events = new ArrayList<>(2 * granted.size());
        for (int i = 0; i < granted.size(); i++) {
            NewLease lease = granted.get(i);
            DispatchableTask task = placements.get(i).task();
            if (probeNodes.remove(lease.nodeName())) {
                breakers.setProbe(BreakerService.NODE, lease.nodeName(), lease.id());
            }
            if (probeProfiles.remove(profileKey(task))) {
                breakers.setProbe(BreakerService.PROFILE, profileKey(task), lease.id());
            }
            if (globalProbe) {
                breakers.setProbe(BreakerService.GLOBAL, BreakerService.FLEET, lease.id());
                globalProbe = false;
            }
            if (task.readyAt() != null) {
                metrics.scheduleToStart(
                        Duration.between(task.readyAt(), leasedAt).toMillis() / 1000.0);
            }
            events.add(new Event(
                    EventType.TASK_LEASED,
                    lease.specId(),
                    lease.taskId(),
                    lease.nodeName(),
                    new TaskLeased(
                            lease.id(),
                            lease.nodeName(),
                            lease.fencingToken(),
                            lease.attempt(),
                            lease.leasedAt(),
                            lease.deadline(),
                            heartbeatSeconds,
                            parse(task),
                            task.effectiveProfile(),
                            previous(task)),
                    task.traceContext()));
            events.add(new Event(
                    EventType.TASK_STATE_CHANGED,
                    lease.specId(),
                    lease.taskId(),
                    Topics.key(lease.specId(), lease.taskId()),
                    new TaskStateChanged(
                            lease.specId(),
                            lease.taskId(),
                            TaskState.LEASED,
                            lease.attempt(),
                            lease.nodeName(),
                            lease.fencingToken(),
                            null,
                            null),
                    task.traceContext()));
        }
        // on the leases topic for everyone, and in each node's own lease feed for its worker
        leaseFeed.append(outbox.appendAll(events));
        counters.increment(Counter.LEASES_GRANTED, granted.size());
        metrics.leasesGranted(granted.size());
        return new DispatchRound(limit, candidates.size(), granted.size());
    }

    static String profileKey(DispatchableTask task) {
        return task.effectiveProfile() == null ? "default" : task.effectiveProfile();
    }

    private PreviousAttempt previous(DispatchableTask task) {
        if (task.previousAttemptJson() == null) {
            return null;
        }
        try {
            return json.readValue(task.previousAttemptJson(), PreviousAttempt.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "stored PreviousAttempt of " + task.specId() + "/" + task.taskId() + " cannot be read", e);
        }
    }

    /** Whether a round with this result may have left more work that the next round can grant right away. */
    public boolean isFullBatch(DispatchRound round) {
        return round.granted() >= config.batchSize();
    }

    /** Start-to-close time of an attempt: the estimate times the timeout factor, at least the minimum. */
    Duration leaseDuration(long estimateSeconds) {
        Duration fromEstimate =
                Duration.ofMillis(Math.round(Math.max(0, estimateSeconds) * config.timeoutFactor() * 1000));
        return fromEstimate.compareTo(config.minLeaseDuration()) > 0 ? fromEstimate : config.minLeaseDuration();
    }

    private TaskReady parse(DispatchableTask task) {
        try {
            return json.readValue(task.taskReadyJson(), TaskReady.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "stored TaskReady of " + task.specId() + "/" + task.taskId() + " cannot be read", e);
        }
    }
}
