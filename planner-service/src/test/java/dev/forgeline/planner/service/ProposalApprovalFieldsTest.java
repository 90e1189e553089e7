package dev.forgeline.planner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.forgeline.planner.domain.Task;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecParser;
import org.junit.jupiter.api.Test;

/** What an agent's follow-up asks for that needs a person's approval, read from the task text it proposes. */
class ProposalApprovalFieldsTest {
    private final SpecParser parser = new SpecParser(Duration.ofMinutes(15));

    private ParsedTask proposed(String body) {
        return parser.parse("## Task: T1-f1 - Follow-up\nAcceptance: returns 1\n" + body)
                .tasks()
                .get(0);
    }

    private static Task parent(String testCommand) {
        Task parent = new Task();
        parent.taskId = "T1";
        parent.testCommand = testCommand;
        return parent;
    }

    @Test
    void everyFieldThatChangesWhatRunsOrWhereIsNamedWithItsValue() {
        assertThat(ProposalService.askedFor(
                        proposed("Test command: `make everything`\nAgent: opus\nLabels: gpu=yes\nRequires: os=macos\n"),
                        parent("sh test/t1.sh")))
                .containsExactly(
                        "test command: make everything",
                        "agent profile: opus",
                        "labels: gpu=yes",
                        "requires: os=macos");
    }

    @Test
    void aFollowUpSettingNoneOfThemOrTheParentsOwnTestCommandAsksForNothing() {
        assertThat(ProposalService.askedFor(proposed(""), parent("sh test/t1.sh")))
                .isEmpty();
        assertThat(ProposalService.askedFor(proposed("Test command: sh test/t1.sh\n"), parent("sh test/t1.sh")))
                .isEmpty();
        assertThat(ProposalService.askedFor(proposed("Test command: sh test/t1.sh\n"), null))
                .containsExactly("test command: sh test/t1.sh");
    }
}
