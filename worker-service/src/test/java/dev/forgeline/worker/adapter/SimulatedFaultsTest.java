package dev.forgeline.worker.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.worker.classify.FailureClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated agent's fault profiles: deterministic per seed, the field's mix, and what each fault looks like. */
class SimulatedFaultsTest {
    @TempDir
    Path dir;

    private static TaskReady task(String taskId) {
        return new TaskReady(
                "spec-1",
                "Spec",
                taskId,
                "Task " + taskId,
                "",
                List.of(),
                "sh test/" + SimulatedAgent.slug(taskId) + "_test.sh",
                60,
                List.of(),
                "/repo",
                "main",
                0,
                Map.of(),
                null);
    }

    @Test
    void theNoneProfileNeverFails() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(SimulatedFaults.NONE.draw("spec", "T" + i, 1).fault()).isEqualTo(SimulatedFaults.Fault.NONE);
        }
    }

    @Test
    void drawsAreDeterministicForASeedAndDifferAcrossSeedsAndAttempts() {
        SimulatedFaults other = new SimulatedFaults(
                "field",
                7,
                SimulatedFaults.FIELD.hang(),
                SimulatedFaults.FIELD.crash(),
                SimulatedFaults.FIELD.testFailure(),
                SimulatedFaults.FIELD.dependencyFailure(),
                SimulatedFaults.FIELD.networkError(),
                SimulatedFaults.FIELD.contextExhausted(),
                10,
                500,
                0,
                BigDecimal.ZERO);
        int differentSeed = 0;
        int differentAttempt = 0;
        for (int i = 0; i < 500; i++) {
            assertThat(SimulatedFaults.FIELD.draw("spec", "T" + i, 1))
                    .isEqualTo(SimulatedFaults.FIELD.draw("spec", "T" + i, 1));
            SimulatedFaults.Draw draw = other.draw("spec", "T" + i, 1);
            assertThat(draw.durationMillis()).isBetween(10L, 500L);
            if (draw.fault() != SimulatedFaults.FIELD.draw("spec", "T" + i, 1).fault()) {
                differentSeed++;
            }
            if (SimulatedFaults.FIELD.draw("spec", "T" + i, 2).fault()
                    != SimulatedFaults.FIELD.draw("spec", "T" + i, 1).fault()) {
                differentAttempt++;
            }
        }
        assertThat(differentSeed).isPositive();
        assertThat(differentAttempt).as("a retry draws anew").isPositive();
    }

    /** A retry's fault is drawn independently of the attempt before: as often a failure after a failure as at first. */
    @Test
    void aRetryDrawsItsFaultIndependentlyOfTheAttemptBefore() {
        int failedFirst = 0;
        int failedAgain = 0;
        int sameFaultAgain = 0;
        for (int i = 0; i < 20_000; i++) {
            SimulatedFaults.Fault first =
                    SimulatedFaults.FIELD.draw("spec-" + (i % 97), "T" + i, 1).fault();
            if (first == SimulatedFaults.Fault.NONE) {
                continue;
            }
            failedFirst++;
            SimulatedFaults.Fault second =
                    SimulatedFaults.FIELD.draw("spec-" + (i % 97), "T" + i, 2).fault();
            if (second != SimulatedFaults.Fault.NONE) {
                failedAgain++;
            }
            if (second == first) {
                sameFaultAgain++;
            }
        }
        assertThat((double) failedAgain / failedFirst)
                .as("share of retries failing after a failed first attempt")
                .isCloseTo(0.324, org.assertj.core.data.Offset.offset(0.03));
        assertThat((double) sameFaultAgain / failedFirst)
                .as("share of retries failing with the first attempt's fault")
                .isLessThan(0.15);
    }

    @Test
    void theFieldProfileReproducesTheReportedFailureMix() {
        int n = 20_000;
        Map<SimulatedFaults.Fault, Integer> counts = new EnumMap<>(SimulatedFaults.Fault.class);
        for (int i = 0; i < n; i++) {
            counts.merge(
                    SimulatedFaults.FIELD.draw("spec-" + (i % 97), "T" + i, 1).fault(), 1, Integer::sum);
        }
        double failed = n - counts.getOrDefault(SimulatedFaults.Fault.NONE, 0);
        assertThat(1 - failed / n)
                .as("first-attempt success")
                .isCloseTo(0.676, org.assertj.core.data.Offset.offset(0.015));
        assertThat(counts.get(SimulatedFaults.Fault.HANG) / failed)
                .isCloseTo(0.34, org.assertj.core.data.Offset.offset(0.03));
        assertThat(counts.get(SimulatedFaults.Fault.DEPENDENCY_FAILURE) / failed)
                .isCloseTo(0.21, org.assertj.core.data.Offset.offset(0.03));
        assertThat(counts.get(SimulatedFaults.Fault.TEST_FAILURE) / failed)
                .isCloseTo(0.18, org.assertj.core.data.Offset.offset(0.03));
        assertThat(counts.get(SimulatedFaults.Fault.NETWORK_ERROR) / failed)
                .isCloseTo(0.12, org.assertj.core.data.Offset.offset(0.03));
        assertThat(counts.get(SimulatedFaults.Fault.CONTEXT_EXHAUSTED) / failed)
                .isCloseTo(0.09, org.assertj.core.data.Offset.offset(0.03));
    }

    /** A profile that always injects one fault. */
    private static SimulatedFaults only(SimulatedFaults.Fault fault) {
        return new SimulatedFaults(
                "custom",
                1,
                fault == SimulatedFaults.Fault.HANG ? 1 : 0,
                fault == SimulatedFaults.Fault.CRASH ? 1 : 0,
                fault == SimulatedFaults.Fault.TEST_FAILURE ? 1 : 0,
                fault == SimulatedFaults.Fault.DEPENDENCY_FAILURE ? 1 : 0,
                fault == SimulatedFaults.Fault.NETWORK_ERROR ? 1 : 0,
                fault == SimulatedFaults.Fault.CONTEXT_EXHAUSTED ? 1 : 0,
                0,
                0,
                1_000,
                new BigDecimal("0.25"));
    }

    /** Runs the agent with one fault, then the task's test command as the worker would, and classifies the outcome. */
    private FailureClass outcome(SimulatedFaults.Fault fault, Instant deadline) throws Exception {
        Path worktree = Files.createDirectories(dir.resolve(fault.name()).resolve("a1"));
        TaskReady task = task("T1");
        AgentRun run = new SimulatedAgent(only(fault)).run(new AgentInvocation(worktree, "prompt", task, deadline));
        assertThat(run.usage().inputTokens() + run.usage().outputTokens()).isEqualTo(1_000);
        assertThat(run.usage().costUsd()).isEqualByComparingTo("0.25");
        if (run.timedOut()) {
            return FailureClassifier.classify(FailureClassifier.Phase.AGENT, run.exitCode(), true, run.outputTail());
        }
        if (run.exitCode() != 0) {
            return FailureClassifier.classify(FailureClassifier.Phase.AGENT, run.exitCode(), false, run.outputTail());
        }
        ProcessResult tests = ProcessRunner.run(ProcessRequest.shell(
                task.testCommand(), worktree, null, Instant.now().plusSeconds(30), 20, null));
        return tests.exitCode() == 0
                ? null
                : FailureClassifier.classify(
                        FailureClassifier.Phase.TESTS, tests.exitCode(), false, tests.outputTail());
    }

    @Test
    void eachFaultLooksLikeItsRealCounterpartToTheClassifier() throws Exception {
        Instant later = Instant.now().plusSeconds(60);
        assertThat(outcome(SimulatedFaults.Fault.NONE, later)).isNull();
        assertThat(outcome(SimulatedFaults.Fault.CRASH, later)).isEqualTo(FailureClass.AGENT_ERROR);
        assertThat(outcome(SimulatedFaults.Fault.TEST_FAILURE, later)).isEqualTo(FailureClass.TEST_FAILURE);
        assertThat(outcome(SimulatedFaults.Fault.DEPENDENCY_FAILURE, later))
                .isEqualTo(FailureClass.DEPENDENCY_RESOLUTION);
        assertThat(outcome(SimulatedFaults.Fault.NETWORK_ERROR, later)).isEqualTo(FailureClass.NETWORK);
        assertThat(outcome(SimulatedFaults.Fault.CONTEXT_EXHAUSTED, later)).isEqualTo(FailureClass.CONTEXT_EXHAUSTED);
        assertThat(outcome(SimulatedFaults.Fault.HANG, Instant.now().plusMillis(500)))
                .isEqualTo(FailureClass.TIMEOUT);
    }
}
