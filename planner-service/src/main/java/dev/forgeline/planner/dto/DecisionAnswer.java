package dev.forgeline.planner.dto;

/**
 * A person's answer to a decision request ({@code POST /decisions/{id}}).
 *
 * @param action    {@code amend} (replace the task text) or {@code override} (release it as it is); for a
 *                  BLOCKED_BY_FAILURE decision {@code retry}, {@code skip} or {@code cancel}; for a PROPOSAL_APPROVAL
 *                  decision {@code approve}, {@code strip} or {@code drop}
 * @param text      for amend: the task's new body in Forgeline task Markdown (description and fields)
 * @param reason    for override: why the task may run as it is
 * @param decidedBy who decided
 */
public record DecisionAnswer(String action, String text, String reason, String decidedBy) {}
