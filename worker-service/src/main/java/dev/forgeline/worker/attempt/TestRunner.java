package dev.forgeline.worker.attempt;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.support.process.ProcessLedger;
import dev.forgeline.support.process.ProcessRequest;
import dev.forgeline.support.process.ProcessResult;
import dev.forgeline.support.process.ProcessRunner;
import dev.forgeline.support.process.Sandbox;
import dev.forgeline.worker.config.WorkerConfig;

/** The worker's own run of a task's test command: what the agent claims counts for nothing. */
@ApplicationScoped
public class TestRunner {
    private final int outputTailLines;

    public TestRunner(WorkerConfig config) {
        this.outputTailLines = config.outputTailLines();
    }

    /** How the test run ended; {@code timedOut} when the deadline stopped it. */
    public record TestRun(TestOutcome outcome, boolean timedOut) {}

    /** Runs {@code sh -c <testCommand>} in the worktree, killed at the deadline. */
    public TestRun run(String testCommand, Path worktree, Instant deadline, Consumer<String> onOutput)
            throws InterruptedException {
        return run(testCommand, worktree, deadline, onOutput, null);
    }

    /** As above, killed as soon as {@code stop} answers true. */
    public TestRun run(
            String testCommand, Path worktree, Instant deadline, Consumer<String> onOutput, BooleanSupplier stop)
            throws InterruptedException {
        return run(testCommand, worktree, deadline, onOutput, stop, null);
    }

    /** As above, its processes written down in {@code ledger} (the attempt's record). */
    public TestRun run(
            String testCommand,
            Path worktree,
            Instant deadline,
            Consumer<String> onOutput,
            BooleanSupplier stop,
            ProcessLedger ledger)
            throws InterruptedException {
        return run(testCommand, worktree, deadline, onOutput, stop, ledger, null);
    }

    /** As above, confined by {@code sandbox} (null: unconfined). */
    public TestRun run(
            String testCommand,
            Path worktree,
            Instant deadline,
            Consumer<String> onOutput,
            BooleanSupplier stop,
            ProcessLedger ledger,
            Sandbox sandbox)
            throws InterruptedException {
        if (testCommand == null || testCommand.isBlank()) {
            return new TestRun(TestOutcome.notRun(testCommand), false);
        }
        try {
            ProcessResult result = ProcessRunner.run(new ProcessRequest(
                            java.util.List.of("sh", "-c", testCommand),
                            worktree,
                            null,
                            deadline,
                            outputTailLines,
                            onOutput,
                            null,
                            java.util.Map.of(),
                            stop,
                            ledger)
                    .withSandbox(sandbox));
            boolean passed = !result.timedOut() && result.exitCode() == 0;
            return new TestRun(
                    new TestOutcome(
                            testCommand, true, passed, result.exitCode(), result.durationMillis(), result.outputTail()),
                    result.timedOut());
        } catch (IOException e) {
            return new TestRun(
                    new TestOutcome(
                            testCommand, false, false, -1, 0, "test command could not start: " + e.getMessage()),
                    false);
        }
    }
}
