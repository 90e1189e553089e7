package dev.forgeline.support.problem;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem detail. {@code errors} lists every individual fault (with the line or field where it
 * applies) so a user can fix them all in one go.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        String type, String title, int status, String detail, String instance, List<ProblemError> errors) {

    /** One fault: what is wrong and where. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProblemError(String message, Integer line, String field) {}
}
