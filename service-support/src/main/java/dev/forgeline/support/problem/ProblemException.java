package dev.forgeline.support.problem;

import java.util.List;

/** Thrown by a service to answer with an RFC 9457 problem. */
public class ProblemException extends RuntimeException {
    private final int status;
    private final String title;
    private final String type;
    private final List<Problem.ProblemError> errors;

    public ProblemException(int status, String type, String title, String detail, List<Problem.ProblemError> errors) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public static ProblemException badRequest(
            String type, String title, String detail, List<Problem.ProblemError> errors) {
        return new ProblemException(400, type, title, detail, errors);
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "about:blank", "Not Found", what, List.of());
    }

    public Problem toProblem(String instance) {
        return new Problem(type, title, status, getMessage(), instance, errors.isEmpty() ? null : errors);
    }

    public int status() {
        return status;
    }
}
