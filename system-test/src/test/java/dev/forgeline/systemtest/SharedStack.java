package dev.forgeline.systemtest;

import static dev.forgeline.systemtest.ScratchFiles.deleteRecursively;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import dev.forgeline.stack.LocalStack;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local stack for the system-test classes that only submit specs to it and read what became of them
 * ({@link SpecToMainIT}, {@link SpecExamplesToMainIT}). A stack's start costs 35-100 s on a loaded 2-core machine and
 * its stop a few more: the first class that asks starts it, it stays up for the rest of the failsafe JVM and the root
 * context's store closes it when the JVM's test run ends. Each class stays isolated by its own specs and its own
 * target repositories under its own directory. Classes that stop, kill or restart services or the infrastructure
 * (FaultSuiteIT, SoakIT, CliLifecycleIT, MultiHostIT) and CliIT (its breaker threshold of two attempts and its
 * dispatch holds would reach every other class's tasks) start stacks of their own.
 *
 * <p>Its options are the union of what the sharing classes need: a worker of capacity 4 (SpecExamplesToMainIT's files
 * run at the same time) and every service exporting its metrics each second to {@link #otlp()}, with a simulated
 * agent cost and a day budget (SpecToMainIT's metrics scenario, whose checks are lower bounds and per-spec figures, so
 * another class's specs only add real events).
 *
 * <p>A class takes it as a parameter of its {@code @BeforeAll} method, with {@code @ExtendWith(SharedStack.Resolver.class)}.
 */
final class SharedStack implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    private static final Path WORK = ScratchFiles.HOME.resolve("system-test/target/shared-stack");
    static final String WORKER = "shared-worker";

    private final OtlpMetricsReceiver otlp;
    private final LocalStack stack;
    private boolean closed;

    private SharedStack(OtlpMetricsReceiver otlp, LocalStack stack) {
        this.otlp = otlp;
        this.stack = stack;
    }

    private static SharedStack start() {
        OtlpMetricsReceiver otlp;
        try {
            deleteRecursively(WORK);
            otlp = new OtlpMetricsReceiver();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            // every service exports its metrics here, each second, as it would to a collector
            Map<String, String> environment = Map.of(
                    "QUARKUS_OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                            otlp.endpoint().toString(),
                    "QUARKUS_OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/protobuf",
                    "QUARKUS_OTEL_METRIC_EXPORT_INTERVAL", "1s",
                    "FORGELINE_METRICS_BUDGET_DAILY_USD", "100",
                    // the simulated agent reports a cost, so cost instruments move; the metrics service refreshes
                    // its gauges
                    "FORGELINE_WORKER_SIMULATED_COST_PER_TASK", "0.05",
                    "FORGELINE_METRICS_GAUGE_REFRESH", "1s");
            LocalStack stack = LocalStack.start(
                    new LocalStack.Options(ScratchFiles.HOME, WORK, false, WORKER, 4, "simulated", environment),
                    message -> System.out.println("[shared stack] " + message));
            return new SharedStack(otlp, stack);
        } catch (RuntimeException e) {
            otlp.close();
            throw e;
        }
    }

    LocalStack stack() {
        return stack;
    }

    /** The receiver every service of the stack exports its metrics to, since the stack started. */
    OtlpMetricsReceiver otlp() {
        return otlp;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stack.close();
        } finally {
            otlp.close();
        }
    }

    /** Resolves a {@code SharedStack} parameter: the JVM's one, started on first use. */
    static final class Resolver implements ParameterResolver {
        private static final ExtensionContext.Namespace NAMESPACE =
                ExtensionContext.Namespace.create(SharedStack.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == SharedStack.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot()
                    .getStore(NAMESPACE)
                    .getOrComputeIfAbsent(SharedStack.class, key -> start(), SharedStack.class);
        }
    }
}
