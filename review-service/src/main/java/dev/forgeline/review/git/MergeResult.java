package dev.forgeline.review.git;

import java.util.List;

/** How a merge request ended. */
public sealed interface MergeResult {

    /**
     * The commit is on the base branch.
     *
     * @param linesMerged   lines the merge added to the base branch
     * @param alreadyMerged true when an earlier merge (a redelivery, a crash before the commit) had done it
     */
    record Merged(String mergeCommit, int linesMerged, boolean alreadyMerged) implements MergeResult {}

    /** Nothing changed on the base branch; {@code reason} says why, {@code conflicts} lists conflicting files. */
    record NotMerged(String reason, List<String> conflicts) implements MergeResult {
        public NotMerged {
            conflicts = conflicts == null ? List.of() : List.copyOf(conflicts);
        }
    }
}
