package dev.forgeline.systemtest;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;

/**
 * An OTLP/HTTP metrics endpoint that records which instrument each service exported. It reads just enough of the
 * protobuf wire format of {@code ExportMetricsServiceRequest} (resource attributes and metric names) to tell who
 * emitted what, so the test needs no generated protobuf classes.
 */
final class OtlpMetricsReceiver implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, Set<String>> metricsByService = new ConcurrentHashMap<>();

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

    /** Instrument names received so far, per {@code service.name} resource attribute. */
    Map<String, Set<String>> metricsByService() {
        Map<String, Set<String>> copy = new java.util.TreeMap<>();
        metricsByService.forEach((service, names) -> copy.put(service, new TreeSet<>(names)));
        return copy;
    }

    Set<String> allMetrics() {
        Set<String> all = new TreeSet<>();
        metricsByService.values().forEach(all::addAll);
        return all;
    }

    private void record(byte[] request) {
        // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
        for (byte[] resourceMetrics : new Protobuf(request).messages(1)) {
            Protobuf rm = new Protobuf(resourceMetrics);
            String service = "unknown";
            // ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
            for (byte[] resource : rm.messages(1)) {
                // Resource { repeated KeyValue attributes = 1; }  KeyValue { string key = 1; AnyValue value = 2; }
                for (byte[] attribute : new Protobuf(resource).messages(1)) {
                    Protobuf kv = new Protobuf(attribute);
                    if ("service.name".equals(kv.string(1))) {
                        for (byte[] anyValue : kv.messages(2)) {
                            service = new Protobuf(anyValue).string(1); // AnyValue { string string_value = 1; }
                        }
                    }
                }
            }
            Set<String> names = metricsByService.computeIfAbsent(service, s -> ConcurrentHashMap.newKeySet());
            for (byte[] scopeMetrics : rm.messages(2)) {
                // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
                for (byte[] metric : new Protobuf(scopeMetrics).messages(2)) {
                    names.add(new Protobuf(metric).string(1)); // Metric { string name = 1; ... }
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The fields of one protobuf message, read from the wire format (varint, 64-bit, length-delimited, 32-bit). */
    private static final class Protobuf {
        private final byte[] bytes;

        Protobuf(byte[] bytes) {
            this.bytes = bytes;
        }

        java.util.List<byte[]> messages(int field) {
            java.util.List<byte[]> found = new java.util.ArrayList<>();
            int[] pos = {0};
            while (pos[0] < bytes.length) {
                long key = varint(pos);
                int number = (int) (key >>> 3);
                int wireType = (int) (key & 7);
                switch (wireType) {
                    case 0 -> varint(pos);
                    case 1 -> pos[0] += 8;
                    case 5 -> pos[0] += 4;
                    case 2 -> {
                        int length = (int) varint(pos);
                        if (number == field) {
                            found.add(java.util.Arrays.copyOfRange(bytes, pos[0], pos[0] + length));
                        }
                        pos[0] += length;
                    }
                    default -> throw new IllegalArgumentException("unsupported wire type " + wireType);
                }
            }
            return found;
        }

        String string(int field) {
            var values = messages(field);
            return values.isEmpty() ? null : new String(values.get(values.size() - 1), StandardCharsets.UTF_8);
        }

        private long varint(int[] pos) {
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
