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
}
