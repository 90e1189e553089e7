package dev.forgeline.planner.repository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.planner.domain.Decision;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;

@ApplicationScoped
public class DecisionRepository implements PanacheRepositoryBase<Decision, UUID> {

    public List<Decision> listOpen() {
        return list("decidedAt is null", Sort.ascending("requestedAt"));
    }

    public List<Decision> listAllNewestFirst() {
        return listAll(Sort.descending("requestedAt"));
    }

    public Optional<Decision> findOpen(String specId, String taskId) {
        return find("specId = ?1 and taskId = ?2 and decidedAt is null", specId, taskId)
                .firstResultOptional();
    }

    /** Open decisions of one spec: task id to decision. */
    public java.util.Map<String, Decision> openBySpec(String specId) {
        java.util.Map<String, Decision> open = new java.util.HashMap<>();
        list("specId = ?1 and decidedAt is null", specId).forEach(d -> open.put(d.taskId, d));
        return open;
    }

    /** How many decisions of each kind are open. */
    public java.util.Map<String, Long> openCountsByKind() {
        java.util.Map<String, Long> counts = new java.util.HashMap<>();
        getEntityManager()
                .createQuery(
                        "select d.kind, count(d) from Decision d where d.decidedAt is null group by d.kind",
                        Object[].class)
                .getResultList()
                .forEach(row -> counts.put(row[0].toString(), (Long) row[1]));
        return counts;
    }
}
