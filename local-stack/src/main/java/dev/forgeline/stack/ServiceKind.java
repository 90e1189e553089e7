package dev.forgeline.stack;

/** The five services of a Forgeline stack, their Maven modules and default HTTP ports. */
public enum ServiceKind {
    PLANNER("planner-service", 8081, true),
    DISPATCHER("dispatcher-service", 8082, true),
    REVIEW("review-service", 8084, true),
    METRICS("metrics-service", 8085, true),
    WORKER("worker-service", 8083, false);

    private final String module;
    private final int defaultPort;
    private final boolean usesDatabase;

    ServiceKind(String module, int defaultPort, boolean usesDatabase) {
        this.module = module;
        this.defaultPort = defaultPort;
        this.usesDatabase = usesDatabase;
    }

    public String module() {
        return module;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public boolean usesDatabase() {
        return usesDatabase;
    }
}
