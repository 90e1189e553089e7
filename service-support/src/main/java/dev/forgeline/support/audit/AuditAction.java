package dev.forgeline.support.audit;

import java.util.Arrays;
import java.util.Optional;

/** What a person or operator did, as recorded in the audit trail: a stable code per action. */
public enum AuditAction {
    SPEC_SUBMIT("spec.submit"),
    DECISION_ANSWER("decision.answer"),
    DISPATCH_PAUSE("dispatch.pause"),
    DISPATCH_RESUME("dispatch.resume"),
    TASK_CANCEL("task.cancel"),
    TASK_RETRY("task.retry"),
    NODE_DRAIN("node.drain"),
    NODE_CORDON("node.cordon"),
    NODE_UNCORDON("node.uncordon"),
    BREAKER_CLOSE("breaker.close"),
    REVIEW_APPROVE("review.approve"),
    REVIEW_REJECT("review.reject"),
    REVIEW_REQUEST_CHANGES("review.request-changes"),
    REVIEW_CAPACITY_SET("review.capacity.set"),
    MERGE_REVERT("merge.revert"),
    RETENTION_SCAN("retention.scan");

    private final String code;

    AuditAction(String code) {
        this.code = code;
    }

    /** The code stored and queried ({@code task.cancel}). */
    public String code() {
        return code;
    }

    public static Optional<AuditAction> ofCode(String code) {
        return Arrays.stream(values()).filter(a -> a.code.equals(code)).findFirst();
    }

    @Override
    public String toString() {
        return code;
    }
}
