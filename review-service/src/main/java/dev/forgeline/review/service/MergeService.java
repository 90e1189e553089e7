package dev.forgeline.review.service;

import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.review.mapping.ReviewMapper;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.review.rest.ReviewView;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/** Reads merges. */
@ApplicationScoped
public class MergeService {
    private final ReviewRepository reviews;

    public MergeService(ReviewRepository reviews) {
        this.reviews = reviews;
    }

    /** The latest 200 merges, those of the caller's projects. */
    @Transactional
    public List<ReviewView> list(SecurityIdentity caller) {
        return Callers.visible(caller, reviews.merges(200), r -> r.project).stream()
                .map(ReviewMapper::toView)
                .toList();
    }

    @Transactional
    public ReviewView get(String id, SecurityIdentity caller) {
        requireVisible(id, caller);
        return reviews.findMerge(id).map(ReviewMapper::toView).orElseThrow(() -> noMerge(id));
    }

    /** 404, exactly like an unknown merge, unless the caller sees the merge's project. */
    @Transactional
    public void requireVisible(String id, SecurityIdentity caller) {
        String project = reviews.mergeProject(id).orElseThrow(() -> noMerge(id));
        Callers.requireProject(caller, project, () -> noMerge(id));
    }

    private static ProblemException noMerge(String id) {
        return ProblemException.notFound("no merge " + id);
    }
}
