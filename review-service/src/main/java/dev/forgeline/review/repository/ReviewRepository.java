package dev.forgeline.review.repository;

import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.TaskAttemptKey;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class ReviewRepository implements PanacheRepositoryBase<Review, TaskAttemptKey> {

    /**
     * Serialises everything that happens to one task until the current transaction ends. The result and the
     * acceptance arrive on two consumers; without this, both could commit without seeing each other.
     */
    public void lockTask(String specId, String taskId) {
        getEntityManager().createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(?1)")
                .setParameter(1, advisoryKey("review:" + specId + "/" + taskId))
                .getSingleResult();
    }

    public List<Review> listNewestFirst(Optional<ReviewState> state) {
        Sort newestFirst = Sort.descending("createdAt").and("id.fencingToken", Sort.Direction.Descending);
        return state.map(s -> list("state", newestFirst, s)).orElseGet(() -> listAll(newestFirst));
    }

    /** Every review of a task, the most recent attempt (highest fencing token) first. */
    public List<Review> forTask(String specId, String taskId) {
        return list("id.specId = ?1 and id.taskId = ?2", Sort.descending("id.fencingToken"), specId, taskId);
    }

    private static long advisoryKey(String name) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(hash).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
