package dev.forgeline.review.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.forgeline.review.domain.ReviewBacklogRow;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

@ApplicationScoped
public class ReviewBacklogRepository implements PanacheRepositoryBase<ReviewBacklogRow, Integer> {
    /** The row, locked until the transaction ends: backlog announcements happen one at a time, in order. */
    public ReviewBacklogRow lockRow() {
        return findById(ReviewBacklogRow.ID, LockModeType.PESSIMISTIC_WRITE);
    }
}
