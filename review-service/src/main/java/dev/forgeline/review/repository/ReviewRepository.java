package dev.forgeline.review.repository;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.review.domain.Review;
import dev.forgeline.review.domain.ReviewState;
import dev.forgeline.review.domain.TaskAttemptKey;
import dev.forgeline.review.domain.VerifyState;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class ReviewRepository implements PanacheRepositoryBase<Review, TaskAttemptKey> {

    /**
     * Serialises everything that happens to one task until the current transaction ends. The result and the
     * acceptance arrive on two consumers; without this, both could commit without seeing each other.
     */
    public void lockTask(String specId, String taskId) {
        getEntityManager()
                .createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(?1)")
                .setParameter(1, advisoryKey("review:" + specId + "/" + taskId))
                .getSingleResult();
    }

    /** Reviews newest first, or oldest first (longest waiting) when {@code oldestFirst}. */
    public List<Review> list(Optional<ReviewState> state, Optional<Integer> level, boolean oldestFirst) {
        Sort sort = oldestFirst
                ? Sort.ascending("createdAt").and("id.fencingToken", Sort.Direction.Ascending)
                : Sort.descending("createdAt").and("id.fencingToken", Sort.Direction.Descending);
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        state.ifPresent(s -> {
            where.add("state = :state");
            params.and("state", s);
        });
        level.ifPresent(l -> {
            where.add("level = :level");
            params.and("level", l);
        });
        return where.isEmpty() ? listAll(sort) : list(String.join(" and ", where), sort, params);
    }

    /** Every review of a task, the most recent attempt (highest fencing token) first. */
    public List<Review> forTask(String specId, String taskId) {
        return list("id.specId = ?1 and id.taskId = ?2", Sort.descending("id.fencingToken"), specId, taskId);
    }

    /** Reviews waiting for a person, per level. */
    public Map<Integer, Integer> pendingByLevel() {
        Map<Integer, Integer> counts = new TreeMap<>();
        List<Object[]> rows = getEntityManager()
                .createQuery(
                        "select r.level, count(r) from Review r where r.state = :state group by r.level",
                        Object[].class)
                .setParameter("state", ReviewState.PENDING)
                .getResultList();
        for (Object[] row : rows) {
            counts.put(row[0] == null ? 1 : ((Number) row[0]).intValue(), ((Number) row[1]).intValue());
        }
        return counts;
    }

    /** A merge by its id or by its merge commit. */
    /**
     * The project of a task's reviews, or empty when it has none. Reads the value only: no review enters the
     * persistence context before a decision locks the task and reads it.
     */
    public Optional<String> projectOf(String specId, String taskId) {
        return getEntityManager()
                .createQuery(
                        "select r.project from Review r where r.id.specId = :spec and r.id.taskId = :task",
                        String.class)
                .setParameter("spec", specId)
                .setParameter("task", taskId)
                .setMaxResults(1)
                .getResultStream()
                .findFirst();
    }

    /** The project of the merge with this id or merge commit, or empty for none; reads the value only. */
    public Optional<String> mergeProject(String id) {
        String where;
        Object value;
        try {
            value = UUID.fromString(id);
            where = "r.mergeId = :id";
        } catch (IllegalArgumentException notAUuid) {
            value = id;
            where = "r.mergeCommit = :id";
        }
        return getEntityManager()
                .createQuery("select r.project from Review r where " + where, String.class)
                .setParameter("id", value)
                .setMaxResults(1)
                .getResultStream()
                .findFirst();
    }

    public Optional<Review> findMerge(String id) {
        try {
            UUID mergeId = UUID.fromString(id);
            return find("mergeId", mergeId).firstResultOptional();
        } catch (IllegalArgumentException notAUuid) {
            return find("mergeCommit", id).firstResultOptional();
        }
    }

    public List<Review> merges(int limit) {
        return find("mergeId is not null", Sort.descending("decidedAt"))
                .page(0, limit)
                .list();
    }

    public List<String> repositoriesToVerify() {
        return getEntityManager()
                .createQuery(
                        "select distinct r.repository from Review r where r.verifyState = :pending and r.state = :merged",
                        String.class)
                .setParameter("pending", VerifyState.PENDING)
                .setParameter("merged", ReviewState.MERGED)
                .getResultList();
    }

    /** The oldest merge of a repository whose verify has not run. */
    public Optional<Review> nextToVerify(String repository) {
        return find(
                        "repository = ?1 and verifyState = ?2 and state = ?3",
                        Sort.ascending("decidedAt"),
                        repository,
                        VerifyState.PENDING,
                        ReviewState.MERGED)
                .firstResultOptional();
    }

    /**
     * Reviews whose pull request (in merge mode pull-request) the sync looks at: pending, waiting for checks, or
     * merged with a revert pull request open.
     */
    public List<TaskAttemptKey> inPullRequestStates() {
        return getEntityManager()
                .createQuery(
                        "select r.id from Review r where r.state in (:pending, :checks)"
                                + " or (r.state = :merged and r.revertPullRequestNumber is not null)"
                                + " order by r.createdAt",
                        TaskAttemptKey.class)
                .setParameter("pending", ReviewState.PENDING)
                .setParameter("checks", ReviewState.CHECKS_PENDING)
                .setParameter("merged", ReviewState.MERGED)
                .getResultList();
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
