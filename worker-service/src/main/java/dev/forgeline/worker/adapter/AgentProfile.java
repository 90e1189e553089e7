package dev.forgeline.worker.adapter;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How one kind of attempt is run: the adapter, the model, its context size, who bills it and at what price, and
 * the provider key the agent process (and only it) receives.
 *
 * @param executable  the CLI to run; null = the adapter's default ({@code claude}, {@code codex} ...)
 * @param environment variables set for the agent process only (the provider key); never logged
 * @param price       per million tokens; null when neither the profile nor the price table knows the model
 */
public record AgentProfile(
        String name,
        String adapter,
        String model,
        Integer contextTokens,
        String provider,
        Price price,
        String executable,
        List<String> args,
        Map<String, String> environment) {

    public AgentProfile {
        args = args == null ? List.of() : List.copyOf(args);
        environment = environment == null ? Map.of() : Map.copyOf(environment);
    }

    /** A profile that is just an adapter with its defaults. */
    public static AgentProfile ofAdapter(String adapter) {
        return new AgentProfile(adapter, adapter, null, null, null, null, null, List.of(), Map.of());
    }

    public Optional<String> modelOrEmpty() {
        return Optional.ofNullable(model).filter(m -> !m.isBlank());
    }

    /** Keys and values are not printed: the environment holds the provider key. */
    @Override
    public String toString() {
        return "AgentProfile[" + name + ", adapter=" + adapter + ", model=" + model + ", provider=" + provider + "]";
    }

    /** US dollars per million tokens. */
    public record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedPerMillion) {
        private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

        /**
         * The cost of tokens at this price. {@code inputTokens} are the uncached input tokens; cached tokens cost the
         * cached price (the input price when none is set).
         */
        public BigDecimal cost(long inputTokens, long outputTokens, long cachedTokens) {
            BigDecimal cached = cachedPerMillion == null ? inputPerMillion : cachedPerMillion;
            return inputPerMillion
                    .multiply(BigDecimal.valueOf(inputTokens))
                    .add(outputPerMillion.multiply(BigDecimal.valueOf(outputTokens)))
                    .add(cached.multiply(BigDecimal.valueOf(cachedTokens)))
                    .divide(MILLION, MathContext.DECIMAL64)
                    .setScale(6, RoundingMode.HALF_UP);
        }
    }
}
