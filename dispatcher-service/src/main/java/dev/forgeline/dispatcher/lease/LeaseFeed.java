package dev.forgeline.dispatcher.lease;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.payload.LeaseRevoked;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.dispatcher.config.DispatcherConfig;
import dev.forgeline.dispatcher.model.LeaseFeedPage;
import dev.forgeline.dispatcher.repository.LeaseFeedRepository;
import dev.forgeline.dispatcher.repository.LeaseFeedRepository.Entry;
import dev.forgeline.dispatcher.repository.LeaseFeedRepository.NewEntry;
import dev.forgeline.dispatcher.repository.LeaseFeedRepository.Position;
import dev.forgeline.support.outbox.Outbox.Appended;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import dev.forgeline.support.tx.AfterCommit;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import org.jboss.logging.Logger;

/**
 * Each node's lease feed: the TASK_LEASED and LEASE_REVOKED events meant for the node, written in the transaction
 * that announces them (next to the outbox, which still publishes them on the leases topic for everyone else), and
 * read by the node's worker with a long poll. A worker reads only its own node's events, so what a lease costs a
 * worker does not depend on how many nodes there are. Waiting polls are woken in this process after the commit
 * (the dispatcher runs as one replica); a poll that is not woken still re-reads when its wait ends.
 */
@ApplicationScoped
public class LeaseFeed {
    private static final Logger LOG = Logger.getLogger(LeaseFeed.class);
    /** The property by which {@link TaskLeased} and {@link LeaseRevoked} name their node. */
    private static final String NODE_NAME = "nodeName";

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int MAX_WAIT_SECONDS = 60;
    private static final String INVALID_QUERY = "urn:forgeline:problem:invalid-lease-feed-query";

    private final LeaseFeedRepository feed;
    private final AfterCommit afterCommit;
    private final DispatcherConfig config;
    /** Polls waiting for their node's next event. */
    private final Map<String, Set<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();

    public LeaseFeed(LeaseFeedRepository feed, AfterCommit afterCommit, DispatcherConfig config) {
        this.feed = feed;
        this.afterCommit = afterCommit;
        this.config = config;
    }

    /**
     * Adds the lease and revocation events among those just appended to the outbox to their nodes' feeds, in order,
     * in the current transaction, with the JSON the outbox holds; the nodes' waiting polls are woken after the
     * commit. Other events are skipped.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void append(List<Appended> appended) {
        List<NewEntry> entries = new ArrayList<>();
        Set<String> nodes = new LinkedHashSet<>();
        for (Appended event : appended) {
            Envelope envelope = event.envelope();
            // the node is all this needs of the payload: read from the tree, not by decoding the whole lease (a
            // dispatch round appends hundreds, each with its task)
            String node = switch (envelope.eventType()) {
                case TASK_LEASED, LEASE_REVOKED ->
                    envelope.payload().path(NODE_NAME).textValue();
                default -> null;
            };
            if (node != null) {
                entries.add(new NewEntry(node, envelope.eventType().wireName(), event.json()));
                nodes.add(node);
            }
        }
        if (entries.isEmpty()) {
            return;
        }
        feed.append(entries);
        // a key of its own: one transaction may append more than once
        afterCommit.run(new Object(), () -> nodes.forEach(this::wake));
    }

    /**
     * The node's events after {@code after}; when there are none and {@code waitSeconds} is positive, waits up to
     * that long for one. Asking for {@code after=n} records that the worker has read up to n: without
     * {@code after} (a worker that has just started) the feed resumes after what the node's worker read last.
     */
    public Uni<LeaseFeedPage> read(String node, Long after, Integer waitSeconds, Integer limit) {
        int max = limit == null ? DEFAULT_LIMIT : limit;
        int wait = waitSeconds == null ? 0 : waitSeconds;
        List<ProblemError> errors = new ArrayList<>();
        if (after != null && after < 0) {
            errors.add(new ProblemError("after must be 0 or more", null, "after"));
        }
        if (wait < 0 || wait > MAX_WAIT_SECONDS) {
            errors.add(new ProblemError("wait must be between 0 and " + MAX_WAIT_SECONDS + " seconds", null, "wait"));
        }
        if (max < 1 || max > MAX_LIMIT) {
            errors.add(new ProblemError("limit must be between 1 and " + MAX_LIMIT, null, "limit"));
        }
        if (!errors.isEmpty()) {
            return Uni.createFrom()
                    .failure(ProblemException.badRequest(
                            INVALID_QUERY,
                            "Invalid lease feed query",
                            "the lease feed of node " + node + " cannot be read with these parameters",
                            errors));
        }
        // registered before the first read, so that an event committed between the read and the wait wakes it
        CompletableFuture<Void> signal = wait > 0 ? await(node) : null;
        return Uni.createFrom()
                .item(() -> page(node, after, max))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(page -> {
                    if (signal == null || !page.events().isEmpty()) {
                        return Uni.createFrom().item(page);
                    }
                    return Uni.createFrom()
                            .completionStage(signal)
                            .ifNoItem()
                            .after(Duration.ofSeconds(wait))
                            .recoverWithItem(() -> null)
                            .emitOn(Infrastructure.getDefaultWorkerPool())
                            .map(woken -> page(node, page.next(), max));
                })
                .eventually(() -> {
                    if (signal != null) {
                        forget(node, signal);
                    }
                });
    }

    private LeaseFeedPage page(String node, Long after, int limit) {
        Position position = feed.position(node)
                .orElseThrow(() -> ProblemException.notFound(
                        "node " + node + " is not registered: register it (POST /nodes) before reading its leases"));
        long from;
        if (after == null) {
            from = position.acked();
        } else if (after > position.head()) {
            // past anything given out (the dispatcher's database was restored from an older state): start over
            // from what the node's worker is known to have read
            LOG.warnf(
                    "node %s asks for its leases after %d, but its feed ends at %d: resuming after %d",
                    node, after, position.head(), position.acked());
            from = position.acked();
        } else {
            feed.ack(node, after);
            from = after;
        }
        List<Entry> entries = feed.after(node, from, limit + 1);
        boolean more = entries.size() > limit;
        List<LeaseFeedPage.Event> events = entries.stream()
                .limit(limit)
                .map(e -> new LeaseFeedPage.Event(e.seq(), e.eventType(), e.envelope()))
                .toList();
        long next = events.isEmpty() ? from : events.get(events.size() - 1).seq();
        return new LeaseFeedPage(node, events, next, more);
    }

    private CompletableFuture<Void> await(String node) {
        CompletableFuture<Void> signal = new CompletableFuture<>();
        waiting.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(signal);
        return signal;
    }

    private void forget(String node, CompletableFuture<Void> signal) {
        waiting.computeIfPresent(node, (n, signals) -> {
            signals.remove(signal);
            return signals.isEmpty() ? null : signals;
        });
    }

    private void wake(String node) {
        Set<CompletableFuture<Void>> signals = waiting.remove(node);
        if (signals != null) {
            signals.forEach(signal -> signal.complete(null));
        }
    }

    /** Entries of nodes whose worker never came back to read them. */
    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void prune() {
        int deleted = feed.deleteOlderThan(Instant.now().minus(config.leaseFeedRetention()));
        if (deleted > 0) {
            LOG.infof(
                    "%d lease feed entries older than %s deleted (their nodes' workers never read them)",
                    deleted, config.leaseFeedRetention());
        }
    }
}
