package dev.forgeline.planner.repository;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.forgeline.planner.domain.Spec;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class SpecRepository implements PanacheRepositoryBase<Spec, String> {

    public List<Spec> listNewestFirst() {
        return listAll(Sort.descending("createdAt").and("id"));
    }

    /**
     * The spec with its row locked until the transaction ends: changes to a spec's tasks that consumers make
     * concurrently are serialised, so a dependency release always sees every committed merge.
     */
    public Optional<Spec> findLocked(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * The spec with this name for this repository in this project (there is at most one: re-submissions are
     * revisions, which keep the spec's project).
     */
    public Optional<Spec> findLatestByName(String name, String repository, String project) {
        return find(
                        "name = ?1 and repository = ?2 and project = ?3",
                        Sort.descending("createdAt"),
                        name,
                        repository,
                        project)
                .firstResultOptional();
    }

    /** Every spec's project by spec id. */
    public Map<String, String> projectsById() {
        Map<String, String> projects = new HashMap<>();
        getEntityManager()
                .createQuery("SELECT s.id, s.project FROM Spec s", Object[].class)
                .getResultList()
                .forEach(row -> projects.put((String) row[0], (String) row[1]));
        return projects;
    }

    /** The spec an earlier submission with this Idempotency-Key created or revised, if any. */
    public Optional<String> specIdSubmittedAs(String idempotencyKey) {
        return getEntityManager()
                .createNativeQuery("SELECT spec_id FROM spec_submission WHERE idempotency_key = ?1")
                .setParameter(1, idempotencyKey)
                .getResultList()
                .stream()
                .findFirst()
                .map(String.class::cast);
    }

    /** Remembers the spec revision a submission with this Idempotency-Key produced, for replays of it. */
    public void recordSubmission(String idempotencyKey, String specId, int revision) {
        getEntityManager()
                .createNativeQuery(
                        "INSERT INTO spec_submission (idempotency_key, spec_id, revision) VALUES (?1, ?2, ?3)")
                .setParameter(1, idempotencyKey)
                .setParameter(2, specId)
                .setParameter(3, revision)
                .executeUpdate();
    }
}
