package dev.forgeline.contracts;

import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Predicts, before any code exists, whether a task's result will need a person's review at level 2 or 3, from the
 * task's labels and the files it names. The dispatcher uses it to hold such tasks back while the human review
 * backlog is over capacity. The review service decides the real level from the real diff; this is only a forecast.
 */
public final class ReviewRisk {
    /** label a spec author may set to state the expected level outright, e.g. {@code review=3} */
    public static final String REVIEW_LABEL = "review";

    private static final Pattern LEVEL_3 = Pattern.compile(
            "(^|/)(db/migration|migrations?|schema)(/|$)|\\.sql$|(^|/)(pom\\.xml|build\\.gradle(\\.kts)?|settings\\.gradle(\\.kts)?"
                    + "|package\\.json|Dockerfile[^/]*|docker-compose[^/]*\\.ya?ml)$|(^|/)(k8s|deploy|helm|charts|\\.github/workflows)/"
                    + "|(^|/)entity/|Entity\\.java$");
    private static final Pattern LEVEL_2 = Pattern.compile(
            "(?i)(auth|security|crypto|secret|permission|password|token|oauth|jwt)"
                    + "|(^|/)(api|rest)/|Resource\\.java$|\\.(proto|avsc)$|openapi[^/]*\\.(ya?ml|json)$|\\.schema\\.json$");

    private ReviewRisk() {}

    /** The expected review level: 3, 2, or 1 for anything without a risky surface. */
    public static int predict(Map<String, String> labels, Collection<String> files) {
        if (labels != null && labels.containsKey(REVIEW_LABEL)) {
            try {
                return Math.max(
                        0, Math.min(3, Integer.parseInt(labels.get(REVIEW_LABEL).trim())));
            } catch (NumberFormatException ignored) {
                // an unreadable label is no forecast; fall through to the paths
            }
        }
        int level = 1;
        if (files != null) {
            for (String file : files) {
                String path = file.replace('\\', '/');
                if (LEVEL_3.matcher(path).find()) {
                    return 3;
                }
                if (LEVEL_2.matcher(path).find()) {
                    level = 2;
                }
            }
        }
        return level;
    }

    /** Whether a task with these labels and files is held back while the level 2-3 review backlog is full. */
    public static boolean needsHumanReview(Map<String, String> labels, Collection<String> files) {
        return predict(labels, files) >= 2;
    }
}
