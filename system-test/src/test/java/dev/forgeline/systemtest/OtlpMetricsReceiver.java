package dev.forgeline.systemtest;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;

/**
 * An OTLP/HTTP metrics endpoint that records the data points each service exported: per {@code service.name}, per
 * instrument, per attribute set, the latest value and the largest value seen. It reads just enough of the protobuf
 * wire format of {@code ExportMetricsServiceRequest} (resource attributes, metric names, and the attributes and
 * values of gauge, sum and histogram points) that the test needs no generated protobuf classes.
 */
final class OtlpMetricsReceiver implements AutoCloseable {
    /** The OTLP data a metric was exported as. */
    enum Type {
        GAUGE,
        SUM,
        HISTOGRAM,
        OTHER
    }

    /**
     * One series: its attributes (values as text), the latest value and the largest one received (for a histogram,
     * its count of recordings).
     */
    record Series(Type type, Map<String, String> attributes, double latest, double max) {
        @Override
        public String toString() {
            return type.name() + attributes + "=" + latest + " (max " + max + ")";
        }
    }

    private final HttpServer server;
    /** service -> instrument -> attributes -> series */
    private final Map<String, Map<String, Map<Map<String, String>, Series>>> received = new ConcurrentHashMap<>();

    OtlpMetricsReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body =
                        "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                                ? new GZIPInputStream(in).readAllBytes()
                                : in.readAllBytes();
                String path = exchange.getRequestURI().getPath();
                // exporters post to <endpoint>/v1/metrics or to the endpoint as given; traces and logs go elsewhere
                if (!path.endsWith("/v1/traces") && !path.endsWith("/v1/logs")) {
                    record(body);
                }
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1); // an empty ExportMetricsServiceResponse
            exchange.close();
        });
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The series of one instrument as a service exported them (empty when it never did). */
    synchronized List<Series> series(String service, String instrument) {
        return List.copyOf(received.getOrDefault(service, Map.of())
                .getOrDefault(instrument, Map.of())
                .values());
    }

    /** Everything received so far: service -> instrument -> series, for failure messages. */
    synchronized Map<String, Map<String, List<Series>>> all() {
        Map<String, Map<String, List<Series>>> copy = new TreeMap<>();
        received.forEach((service, instruments) -> {
            Map<String, List<Series>> byInstrument = new TreeMap<>();
            instruments.forEach((name, series) -> byInstrument.put(name, List.copyOf(series.values())));
            copy.put(service, byInstrument);
        });
        return copy;
    }

    private synchronized void record(byte[] request) {
        // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
        for (Protobuf rm : new Protobuf(request).messages(1)) {
            String service = "unknown";
            // ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
            for (Protobuf resource : rm.messages(1)) {
                // Resource { repeated KeyValue attributes = 1; }
                String name = attributes(resource.messages(1)).get("service.name");
                if (name != null) {
                    service = name;
                }
            }
            Map<String, Map<Map<String, String>, Series>> instruments =
                    received.computeIfAbsent(service, s -> new ConcurrentHashMap<>());
            for (Protobuf scopeMetrics : rm.messages(2)) {
                // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
                for (Protobuf metric : scopeMetrics.messages(2)) {
                    // Metric { string name = 1; ...; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; ... }
                    Map<Map<String, String>, Series> series =
                            instruments.computeIfAbsent(metric.string(1), m -> new ConcurrentHashMap<>());
                    // Gauge and Sum { repeated NumberDataPoint data_points = 1; }
                    // NumberDataPoint { double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
                    for (Protobuf gauge : metric.messages(5)) {
                        for (Protobuf point : gauge.messages(1)) {
                            add(series, Type.GAUGE, attributes(point.messages(7)), numberValue(point));
                        }
                    }
                    for (Protobuf sum : metric.messages(7)) {
                        for (Protobuf point : sum.messages(1)) {
                            add(series, Type.SUM, attributes(point.messages(7)), numberValue(point));
                        }
                    }
                    // Histogram { repeated HistogramDataPoint data_points = 1; }
                    // HistogramDataPoint { fixed64 count = 4; repeated KeyValue attributes = 9; }
                    for (Protobuf histogram : metric.messages(9)) {
                        for (Protobuf point : histogram.messages(1)) {
                            add(series, Type.HISTOGRAM, attributes(point.messages(9)), point.fixed64(4));
                        }
                    }
                    if (metric.messages(5).isEmpty()
                            && metric.messages(7).isEmpty()
                            && metric.messages(9).isEmpty()) {
                        add(series, Type.OTHER, Map.of(), Double.NaN);
                    }
                }
            }
        }
    }

    private static void add(
            Map<Map<String, String>, Series> series, Type type, Map<String, String> attributes, double value) {
        series.merge(
                attributes,
                new Series(type, attributes, value, value),
                (old, now) -> new Series(type, attributes, value, Math.max(old.max(), value)));
    }

    private static double numberValue(Protobuf point) {
        Long asDouble = point.fixed64OrNull(4);
        return asDouble != null ? Double.longBitsToDouble(asDouble) : point.fixed64(6);
    }

    /** KeyValue { string key = 1; AnyValue value = 2; } with AnyValue { string = 1; bool = 2; int = 3; double = 4 }. */
    private static Map<String, String> attributes(List<Protobuf> keyValues) {
        Map<String, String> attributes = new TreeMap<>();
        for (Protobuf kv : keyValues) {
            for (Protobuf value : kv.messages(2)) {
                String text = value.string(1);
                if (text == null && value.varintOrNull(2) != null) {
                    text = Boolean.toString(value.varintOrNull(2) != 0);
                } else if (text == null && value.varintOrNull(3) != null) {
                    text = Long.toString(value.varintOrNull(3));
                } else if (text == null && value.fixed64OrNull(4) != null) {
                    text = Double.toString(Double.longBitsToDouble(value.fixed64OrNull(4)));
                }
                attributes.put(kv.string(1), text);
            }
        }
        return attributes;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The fields of one protobuf message, read from the wire format (varint, 64-bit, length-delimited, 32-bit). */
    private static final class Protobuf {
        private record Field(int number, int wireType, long value, byte[] bytes) {}

        private final List<Field> fields = new ArrayList<>();

        Protobuf(byte[] bytes) {
            int[] pos = {0};
            while (pos[0] < bytes.length) {
                long key = varint(bytes, pos);
                int number = (int) (key >>> 3);
                int wireType = (int) (key & 7);
                switch (wireType) {
                    case 0 -> fields.add(new Field(number, 0, varint(bytes, pos), null));
                    case 1 -> {
                        long value = 0;
                        for (int i = 0; i < 8; i++) {
                            value |= (bytes[pos[0] + i] & 0xffL) << (8 * i); // little-endian
                        }
                        pos[0] += 8;
                        fields.add(new Field(number, 1, value, null));
                    }
                    case 5 -> pos[0] += 4;
                    case 2 -> {
                        int length = (int) varint(bytes, pos);
                        fields.add(new Field(number, 2, 0, Arrays.copyOfRange(bytes, pos[0], pos[0] + length)));
                        pos[0] += length;
                    }
                    default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
                }
            }
        }

        List<Protobuf> messages(int number) {
            return fields.stream()
                    .filter(f -> f.number() == number && f.wireType() == 2)
                    .map(f -> new Protobuf(f.bytes()))
                    .toList();
        }

        String string(int number) {
            String found = null;
            for (Field f : fields) {
                if (f.number() == number && f.wireType() == 2) {
                    found = new String(f.bytes(), StandardCharsets.UTF_8);
                }
            }
            return found;
        }

        Long fixed64OrNull(int number) {
            return last(number, 1);
        }

        long fixed64(int number) {
            Long value = fixed64OrNull(number);
            return value == null ? 0 : value;
        }

        Long varintOrNull(int number) {
            return last(number, 0);
        }

        private Long last(int number, int wireType) {
            Long found = null;
            for (Field f : fields) {
                if (f.number() == number && f.wireType() == wireType) {
                    found = f.value();
                }
            }
            return found;
        }

        private static long varint(byte[] bytes, int[] pos) {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = bytes[pos[0]++];
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }
    }
}
