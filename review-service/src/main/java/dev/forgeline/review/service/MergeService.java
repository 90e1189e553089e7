package dev.forgeline.review.service;

import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.review.mapping.ReviewMapper;
import dev.forgeline.review.repository.ReviewRepository;
import dev.forgeline.review.rest.ReviewView;
import dev.forgeline.support.problem.ProblemException;

/** Reads merges. */
@ApplicationScoped
public class MergeService {
    private final ReviewRepository reviews;

    public MergeService(ReviewRepository reviews) {
        this.reviews = reviews;
    }

    @Transactional
    public List<ReviewView> list() {
        return reviews.merges(200).stream().map(ReviewMapper::toView).toList();
    }

    @Transactional
    public ReviewView get(String id) {
        return reviews.findMerge(id)
                .map(ReviewMapper::toView)
                .orElseThrow(() -> ProblemException.notFound("no merge " + id));
    }
}
