package dev.forgeline.review.service;

import java.time.Instant;
import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.domain.ReviewBacklogRow;
import dev.forgeline.review.repository.ReviewBacklogRepository;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.support.outbox.Outbox;

/**
 * Back-pressure on the human review backlog: whenever the number of reviews waiting for a person changes, a
 * REVIEW_BACKLOG goes out through the outbox (in the transaction that changed it). {@code holdBack} is true while
 * the level 2-3 backlog exceeds the daily capacity: the dispatcher then holds back tasks predicted at level 2-3.
 */
@ApplicationScoped
public class BacklogService {
    private final ReviewRepository reviews;
    private final ReviewBacklogRepository backlog;
    private final Outbox outbox;
    private final ReviewConfig config;
    private final ReviewMetrics metrics;

    public BacklogService(
            ReviewRepository reviews,
            ReviewBacklogRepository backlog,
            Outbox outbox,
            ReviewConfig config,
            ReviewMetrics metrics) {
        this.reviews = reviews;
        this.backlog = backlog;
        this.outbox = outbox;
        this.config = config;
        this.metrics = metrics;
    }

    /** Counts the backlog (after the caller's changes) and announces it if it differs from the last announcement. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void refresh() {
        ReviewBacklogRow row = backlog.lockRow(); // taken before counting: concurrent refreshes count in turn
        Map<Integer, Integer> byLevel = reviews.pendingByLevel();
        metrics.backlog(byLevel);
        int highRisk = byLevel.getOrDefault(2, 0) + byLevel.getOrDefault(3, 0);
        int total = byLevel.values().stream().mapToInt(Integer::intValue).sum();
        int capacity = row.capacityOverride != null ? row.capacityOverride : config.dailyReviewCapacity();
        boolean holdBack = highRisk > capacity;
        if (row.pendingHighRisk == highRisk
                && row.pendingTotal == total
                && row.dailyCapacity == capacity
                && row.holdBack == holdBack) {
            return;
        }
        row.pendingHighRisk = highRisk;
        row.pendingTotal = total;
        row.dailyCapacity = capacity;
        row.holdBack = holdBack;
        row.updatedAt = now();
        String reason = holdBack
                ? highRisk + " level 2-3 reviews wait for a person, over the daily capacity of " + capacity
                        + ": tasks predicted at level 2-3 are held back"
                : highRisk + " level 2-3 reviews wait for a person (daily capacity " + capacity + ")";
        outbox.append(
                EventType.REVIEW_BACKLOG,
                null,
                null,
                "review",
                new ReviewBacklog(highRisk, total, capacity, holdBack, reason, row.updatedAt));
    }

    /** The backlog as last announced. */
    @Transactional
    public ReviewBacklog current() {
        ReviewBacklogRow row = backlog.findById(ReviewBacklogRow.ID);
        return new ReviewBacklog(
                Math.max(0, row.pendingHighRisk),
                Math.max(0, row.pendingTotal),
                row.capacityOverride != null ? row.capacityOverride : config.dailyReviewCapacity(),
                row.holdBack,
                row.holdBack
                        ? "level 2-3 backlog over the daily capacity: tasks predicted at level 2-3 are held back"
                        : "level 2-3 backlog within the daily capacity",
                row.updatedAt);
    }

    /** Sets the daily capacity (null: back to the configured one) and announces the backlog if that changes it. */
    @Transactional
    public ReviewBacklog setCapacity(Integer capacity) {
        ReviewBacklogRow row = backlog.lockRow();
        row.capacityOverride = capacity;
        refresh();
        return current();
    }

    /** Database precision (microseconds): a time read back equals the one announced. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
}
