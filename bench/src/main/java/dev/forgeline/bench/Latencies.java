package dev.forgeline.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Percentiles of a set of latencies given in microseconds, reported in milliseconds (nearest-rank). */
record Latencies(int count, double p50, double p95, double p99, double max) {

    static Latencies of(Collection<Long> micros) {
        long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return new Latencies(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Latencies(
                sorted.length,
                rank(sorted, 0.50),
                rank(sorted, 0.95),
                rank(sorted, 0.99),
                sorted[sorted.length - 1] / 1000.0);
    }

    private static double rank(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1000.0;
    }

    Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", count);
        map.put("p50Ms", p50);
        map.put("p95Ms", p95);
        map.put("p99Ms", p99);
        map.put("maxMs", max);
        return map;
    }

    static Latencies fromMap(com.fasterxml.jackson.databind.JsonNode node) {
        return new Latencies(
                node.path("count").asInt(),
                node.path("p50Ms").asDouble(),
                node.path("p95Ms").asDouble(),
                node.path("p99Ms").asDouble(),
                node.path("maxMs").asDouble());
    }

    String row() {
        return String.format(Locale.ROOT, "%7d %8.1f %8.1f %8.1f %8.1f", count, p50, p95, p99, max);
    }
}
