package dev.forgeline.worker.adapter;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import dev.forgeline.worker.config.WorkerConfig;

/**
 * The fault profile of the simulated agent: probabilities of each fault, a duration range, and the tokens and cost
 * reported per task. The fault of an attempt is drawn from a random generator seeded with the profile's seed and
 * the attempt's identity (spec, task, attempt), so a run is reproducible and a retry draws anew.
 *
 * <p>{@link #FIELD} reproduces the failure mix reported from the field (product brief): 67.6 % of first attempts
 * succeed; the 32.4 % that fail split like the permanent failures: orphaned or timed out 34 % (a hang), dependency
 * resolution 21 %, genuine test failures 18 %, SSH/network 12 %, context exhaustion 9 %, and the remaining 6 %
 * (ambiguous specs, which an agent cannot tell apart from a crash) as agent crashes.
 */
public record SimulatedFaults(
        String name,
        long seed,
        double hang,
        double crash,
        double testFailure,
        double dependencyFailure,
        double networkError,
        double contextExhausted,
        long durationMinMs,
        long durationMaxMs,
        long tokensPerTask,
        BigDecimal costPerTask) {

    private static final double FIELD_FAILURE_RATE = 1 - 0.676;

    /** Every task succeeds at once: the default, which the demo and the system test rely on. */
    public static final SimulatedFaults NONE =
            new SimulatedFaults("none", 42, 0, 0, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO);

    public static final SimulatedFaults FIELD = new SimulatedFaults(
            "field",
            42,
            FIELD_FAILURE_RATE * 0.34,
            FIELD_FAILURE_RATE * 0.06,
            FIELD_FAILURE_RATE * 0.18,
            FIELD_FAILURE_RATE * 0.21,
            FIELD_FAILURE_RATE * 0.12,
            FIELD_FAILURE_RATE * 0.09,
            0,
            0,
            0,
            BigDecimal.ZERO);

    /** What happens to one attempt. */
    public enum Fault {
        NONE,
        HANG,
        CRASH,
        TEST_FAILURE,
        DEPENDENCY_FAILURE,
        NETWORK_ERROR,
        CONTEXT_EXHAUSTED
    }

    /** The drawn fault and duration of one attempt. */
    public record Draw(Fault fault, long durationMillis) {}

    public static SimulatedFaults from(WorkerConfig.Simulated config) {
        SimulatedFaults base = switch (config.profile()) {
            case "none" -> NONE;
            case "field" -> FIELD;
            case "custom" ->
                new SimulatedFaults(
                        "custom",
                        config.seed(),
                        config.hang(),
                        config.crash(),
                        config.testFailure(),
                        config.dependencyFailure(),
                        config.networkError(),
                        config.contextExhausted(),
                        0,
                        0,
                        0,
                        BigDecimal.ZERO);
            default ->
                throw new IllegalStateException("forgeline.worker.simulated.profile=" + config.profile()
                        + " is not one of none, field, custom");
        };
        return new SimulatedFaults(
                base.name(),
                config.seed(),
                base.hang(),
                base.crash(),
                base.testFailure(),
                base.dependencyFailure(),
                base.networkError(),
                base.contextExhausted(),
                config.durationMinMs(),
                Math.max(config.durationMinMs(), config.durationMaxMs()),
                config.tokensPerTask(),
                config.costPerTask());
    }

    /** The fault and duration of an attempt: the same for the same seed and attempt identity. */
    public Draw draw(String specId, String taskId, int attempt) {
        // SplittableRandom mixes its seed fully: java.util.Random's first draw barely moves between seeds that differ
        // in their low bits, as the identities of one task's attempts do, so every retry drew its first attempt's fault
        SplittableRandom random =
                new SplittableRandom(seed * 1_000_003L ^ (specId + "/" + taskId + "/" + attempt).hashCode());
        double roll = random.nextDouble();
        long duration = durationMaxMs <= durationMinMs
                ? durationMinMs
                : durationMinMs + (long) (random.nextDouble() * (durationMaxMs - durationMinMs));
        double[] bounds = {hang, crash, testFailure, dependencyFailure, networkError, contextExhausted};
        Fault[] faults = {
            Fault.HANG,
            Fault.CRASH,
            Fault.TEST_FAILURE,
            Fault.DEPENDENCY_FAILURE,
            Fault.NETWORK_ERROR,
            Fault.CONTEXT_EXHAUSTED
        };
        double cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += bounds[i];
            if (roll < cumulative) {
                return new Draw(faults[i], duration);
            }
        }
        return new Draw(Fault.NONE, duration);
    }
}
