package dev.forgeline.review.board;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.board.BoardSnapshot.ReviewRow;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.repository.AttemptResultRepository;
import dev.forgeline.review.service.BacklogService;
import dev.forgeline.review.service.ReviewService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/**
 * The board's one gathering loop, shared by every viewer: while anyone watches ({@code /ui/board/events}), a
 * snapshot is gathered every {@code forgeline.review.board.refresh-interval} and pushed to all viewers when it
 * differs from the last one pushed. Nobody watching, nothing is gathered but for a page load. The snapshot holds
 * every project; the page shows each viewer the part of its projects.
 */
@ApplicationScoped
public class Board {
    private final BoardConfig config;
    private final BoardGatherer gatherer;
    private final ReviewService reviews;
    private final BacklogService backlog;
    private final AttemptResultRepository attempts;
    private final BroadcastProcessor<BoardSnapshot> updates = BroadcastProcessor.create();
    private final AtomicInteger viewers = new AtomicInteger();
    private volatile BoardSnapshot current;
    private volatile Instant gatheredAt = Instant.EPOCH;
    private volatile BoardSnapshot lastPushed;

    public Board(
            BoardConfig config,
            ObjectMapper json,
            ReviewService reviews,
            BacklogService backlog,
            AttemptResultRepository attempts) {
        this.config = config;
        this.reviews = reviews;
        this.backlog = backlog;
        this.attempts = attempts;
        this.gatherer = new BoardGatherer(
                config.plannerUrl(),
                config.dispatcherUrl(),
                config.serviceToken(),
                config.timeout(),
                config.maxSpecs(),
                json);
    }

    /** The latest snapshot; gathered now when none is younger than the refresh interval. */
    public BoardSnapshot current() {
        BoardSnapshot snapshot = current;
        if (snapshot == null || gatheredAt.plus(config.refreshInterval()).isBefore(Instant.now())) {
            snapshot = gather();
        }
        return snapshot;
    }

    /** The current snapshot, then every changed one, until the viewer leaves. */
    public Multi<BoardSnapshot> watch() {
        return Multi.createBy()
                .concatenating()
                .streams(
                        // the first snapshot may be gathered now (HTTP and database): not on an event loop
                        Multi.createFrom().item(this::current).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()),
                        // a viewer that falls behind gets the latest snapshot, not a backlog of stale ones
                        updates.onOverflow().dropPreviousItems())
                .onSubscription()
                .invoke(() -> viewers.incrementAndGet())
                .onTermination()
                .invoke(() -> viewers.decrementAndGet());
    }

    public int viewers() {
        return viewers.get();
    }

    @Scheduled(
            identity = "board-refresh",
            every = "${forgeline.review.board.refresh-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        if (viewers.get() == 0) {
            return;
        }
        BoardSnapshot snapshot = gather();
        if (!snapshot.equals(lastPushed)) {
            lastPushed = snapshot;
            updates.onNext(snapshot);
        }
    }

    private synchronized BoardSnapshot gather() {
        BoardSnapshot snapshot = gatherer.gather(new Own());
        current = snapshot;
        gatheredAt = Instant.now();
        return snapshot;
    }

    /** The review service's own part of the board. */
    private class Own implements BoardGatherer.OwnData {
        @Override
        public List<ReviewRow> reviewQueue() {
            // every project's: each viewer is shown those of its projects (BoardSnapshot.visibleTo)
            return reviews.list(Optional.of(ReviewState.PENDING), Optional.empty(), true, null).stream()
                    .map(r -> new ReviewRow(
                            r.specId(),
                            r.taskId(),
                            r.attempt(),
                            r.level(),
                            r.reasons() == null ? List.of() : List.copyOf(r.reasons()),
                            r.requestedAt(),
                            r.project()))
                    .toList();
        }

        @Override
        public ReviewBacklog backlog() {
            return backlog.current();
        }

        @Override
        public Map<String, BigDecimal> costPerTask(Collection<String> specIds) {
            return QuarkusTransaction.joiningExisting().call(() -> attempts.costPerTask(specIds));
        }
    }
}
