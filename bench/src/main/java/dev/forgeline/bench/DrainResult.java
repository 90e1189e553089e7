package dev.forgeline.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One drain run of {@code n} jobs (or leases), timed from the first to the last of them.
 *
 * @param system  what ran, e.g. {@code db-scheduler (tuned)}
 * @param firstMs epoch milliseconds of the first grant or execution
 * @param lastMs  epoch milliseconds of the last one
 * @param counted the jobs done within the span: all but the last when each has its own time ({@code n - 1}); all but
 *                the last batch when a batch shares one time (Forgeline's dispatch rounds stamp every lease of a round
 *                with the round's time)
 * @param extra   figures specific to the system (Forgeline: delivery span, intake time), printed and recorded
 */
public record DrainResult(String system, int n, long firstMs, long lastMs, int counted, Map<String, Object> extra) {

    public DrainResult {
        extra = extra == null ? Map.of() : new LinkedHashMap<>(extra);
    }

    /** Jobs per second from first to last; NaN when there is no span (all in one batch). */
    public double perSecond() {
        return rate(counted, firstMs, lastMs);
    }

    static double rate(int counted, long firstMs, long lastMs) {
        return lastMs > firstMs ? counted * 1000.0 / (lastMs - firstMs) : Double.NaN;
    }
}
