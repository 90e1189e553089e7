package dev.forgeline.planner.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A permanent AMBIGUOUS_SPEC failure asks the question that fits its cause, read from the reason the dispatcher
 * or the worker gave (the texts below are the ones LeaseSupervisor and AttemptRunner write).
 */
class AmbiguityQuestionTest {
    @Test
    void aTaskNoNodeCanTakeAsksForRequirementsNotClarification() {
        String question = TaskProgressService.ambiguityQuestion(
                "T4",
                "unplaceable: no registered node offers os=macos (since 2026-12-03T10:00:00Z, grace PT5M): amend"
                        + " the task's requirements or agent profile, or register a node that offers them and"
                        + " release the task again");
        assertThat(question).startsWith("no registered node can take task T4").doesNotContain("ambiguous");
    }

    @Test
    void anUnreachableRepositoryAsksForCredentials() {
        assertThat(TaskProgressService.ambiguityQuestion(
                        "T1", "could not fetch https://git.example.com/acme/shop.git (AUTH_FAILED): denied"))
                .startsWith("task T1 could not reach its repository")
                .doesNotContain("ambiguous");
        assertThat(TaskProgressService.ambiguityQuestion(
                        "T1",
                        "could not push the attempt branch to refs/heads/forgeline/s/T1/a1 of"
                                + " https://git.example.com/acme/shop.git (REJECTED): protected"))
                .startsWith("task T1 could not reach its repository");
    }

    @Test
    void anAgentsQuestionStaysAnAmbiguity() {
        assertThat(TaskProgressService.ambiguityQuestion("T2", "which slug rules for non-ASCII letters?"))
                .isEqualTo("the agent found task T2 ambiguous: clarify the text (amend) or release it as it is"
                        + " (override)");
        assertThat(TaskProgressService.ambiguityQuestion("T2", null)).contains("ambiguous");
    }
}
