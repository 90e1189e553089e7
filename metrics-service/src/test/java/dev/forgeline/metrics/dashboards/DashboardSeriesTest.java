package dev.forgeline.metrics.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.MetricNames.Instrument;
import org.junit.jupiter.api.Test;

/**
 * Every provisioned Grafana dashboard queries only series that the OpenTelemetry Collector's Prometheus exporter
 * produces for an instrument in MetricNames.ALL (names from {@link CollectorPrometheusNames}).
 */
class DashboardSeriesTest {
    private static final Path DASHBOARDS = Path.of("..", "deploy", "grafana", "dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyPanelQueriesOnlySeriesOfKnownInstruments() throws IOException {
        List<String> unknown = new ArrayList<>();
        int queries = 0;
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            unknown.addAll(unknownSeries(file.getFileName().toString(), dashboard));
            for (JsonNode panel : dashboard.get("panels")) {
                queries += panel.get("targets").size();
            }
        }
        assertThat(unknown)
                .as("series no instrument of MetricNames.ALL maps to")
                .isEmpty();
        assertThat(queries).isGreaterThanOrEqualTo(40);
    }

    @Test
    void aPanelQueryingASeriesNoInstrumentEmitsIsReported() throws IOException {
        JsonNode dashboard = JSON.readTree("""
                {"panels": [{"title": "p", "targets": [
                  {"expr": "sum(rate(forgeline_dispatcher_leases_total[5m]))"},
                  {"expr": "sum by (kind) (forgeline_dispatcher_timeouts)"},
                  {"expr": "rate(process_cpu_seconds_total[1m])"},
                  {"expr": "avg(forgeline_retention_ratio_ratio)"}]}]}
                """);
        assertThat(unknownSeries("made-up.json", dashboard))
                .containsExactly(
                        "made-up.json: forgeline_dispatcher_timeouts in sum by (kind) (forgeline_dispatcher_timeouts)",
                        "made-up.json: process_cpu_seconds_total in rate(process_cpu_seconds_total[1m])",
                        "made-up.json: forgeline_retention_ratio_ratio in avg(forgeline_retention_ratio_ratio)");
    }

    /** Every series a dashboard's panels query that no instrument of MetricNames.ALL maps to. */
    static List<String> unknownSeries(String file, JsonNode dashboard) {
        Map<String, Instrument> known = PromqlSeries.known();
        List<String> unknown = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets"))
                    .as("%s: panel %s has queries", file, panel.get("title"))
                    .isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asText();
                Set<String> series = PromqlSeries.in(expr);
                assertThat(series).as("%s: %s selects a series", file, expr).isNotEmpty();
                series.stream()
                        .filter(s -> !known.containsKey(s))
                        .forEach(s -> unknown.add(file + ": " + s + " in " + expr));
            }
        }
        return unknown;
    }

    @Test
    void theFiveDashboardsAreProvisionedWithDistinctIds() throws IOException {
        List<String> titles = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (Path file : dashboardFiles()) {
            JsonNode dashboard = JSON.readTree(file.toFile());
            titles.add(dashboard.get("title").asText());
            uids.add(dashboard.get("uid").asText());
        }
        assertThat(titles)
                .containsExactlyInAnyOrder(
                        "Forgeline / Build velocity",
                        "Forgeline / Supervision",
                        "Forgeline / Cost",
                        "Forgeline / Review and decision lag",
                        "Forgeline / Retention");
        assertThat(uids).doesNotHaveDuplicates();
        assertThat(Files.readString(DASHBOARDS.resolveSibling("dashboards.yaml")))
                .contains("path: /var/lib/grafana/dashboards/forgeline");
    }

    @Test
    void theSeriesReaderFindsUnknownSeriesAndSkipsFunctionsLabelsAndKeywords() {
        assertThat(PromqlSeries.in(
                        "sum by (provider) (increase(forgeline_worker_agent_cost_USD_total{provider=\"x\"}[1d]))"))
                .containsExactly("forgeline_worker_agent_cost_USD_total");
        assertThat(
                        PromqlSeries.in(
                                "histogram_quantile(0.95, sum by (le) (rate(forgeline_review_decision_lag_seconds_bucket[5m])))"))
                .containsExactly("forgeline_review_decision_lag_seconds_bucket");
        assertThat(PromqlSeries.in("sum(a_total) / clamp_min(sum(up offset 1h), 1) and on (job) node_load1"))
                .containsExactly("a_total", "up", "node_load1");
        Map<String, Instrument> known = PromqlSeries.known();
        assertThat(known)
                .containsKeys(
                        "forgeline_dispatcher_failures_total",
                        "forgeline_cost_spec_USD",
                        "forgeline_review_decision_lag_seconds_count",
                        "forgeline_budget_used_ratio",
                        "forgeline_retention_ratio",
                        "forgeline_dispatcher_schedule_to_start_seconds_bucket",
                        "forgeline_worker_compute_time_seconds_total");
        assertThat(known)
                .doesNotContainKeys(
                        "forgeline_retention_ratio_ratio",
                        "forgeline_worker_agent_cost_total",
                        "forgeline_dispatcher_failures",
                        "forgeline_cost_spec_USD_bucket");
    }

    /** The translator gives the names the collector's own tests (normalize_name_test.go) expect. */
    @Test
    void theTranslatorNamesMetricsAsTheCollectorDoes() {
        var gauge = CollectorPrometheusNames.OtlpType.GAUGE;
        var counter = CollectorPrometheusNames.OtlpType.MONOTONIC_SUM;
        assertThat(CollectorPrometheusNames.name("system.filesystem.usage", "By", gauge))
                .isEqualTo("system_filesystem_usage_bytes");
        assertThat(CollectorPrometheusNames.name("system.io", "By", counter)).isEqualTo("system_io_bytes_total");
        assertThat(CollectorPrometheusNames.name("network_transmitted_bytes_total", "By", counter))
                .isEqualTo("network_transmitted_bytes_total");
        assertThat(CollectorPrometheusNames.name("system.network.dropped", "{packets}", counter))
                .isEqualTo("system_network_dropped_total");
        assertThat(CollectorPrometheusNames.name("system.network.packets", "packets", gauge))
                .isEqualTo("system_network_packets");
        assertThat(CollectorPrometheusNames.name("hw.gpu.memory.utilization", "1", gauge))
                .isEqualTo("hw_gpu_memory_utilization_ratio");
        assertThat(CollectorPrometheusNames.name("hw.fan.speed_ratio", "1", gauge))
                .isEqualTo("hw_fan_speed_ratio");
        assertThat(CollectorPrometheusNames.name("objects", "1", counter)).isEqualTo("objects_total");
        assertThat(CollectorPrometheusNames.name("broken.metric.speed", "km/h", gauge))
                .isEqualTo("broken_metric_speed_km_per_hour");
        assertThat(CollectorPrometheusNames.name("astro.light.speed_limit", "m/s", gauge))
                .isEqualTo("astro_light_speed_limit_meters_per_second");
        assertThat(CollectorPrometheusNames.name("active_directory.ds.replication.object.rate", "{objects}/s", gauge))
                .isEqualTo("active_directory_ds_replication_object_rate_per_second");
        assertThat(CollectorPrometheusNames.name("broken.metric.success_ratio", "%", gauge))
                .isEqualTo("broken_metric_success_ratio_percent");
        assertThat(CollectorPrometheusNames.name("unsupported.metric.redundant", "__test $/°C", gauge))
                .isEqualTo("unsupported_metric_redundant_test_per_C");
        assertThat(CollectorPrometheusNames.name("system.disk.operation_time", "s", counter))
                .isEqualTo("system_disk_operation_time_seconds_total");
        assertThat(CollectorPrometheusNames.name("3.14 digits", "", gauge)).isEqualTo("_3_14_digits");
        assertThat(CollectorPrometheusNames.name(":foo::bar", "", counter)).isEqualTo("foo_bar_total");
        // Forgeline's own: a name already ending in its unit word gets it once
        assertThat(CollectorPrometheusNames.name("forgeline.retention.ratio", "1", gauge))
                .isEqualTo("forgeline_retention_ratio");
        assertThat(CollectorPrometheusNames.name("forgeline.worker.agent.cost", "USD", counter))
                .isEqualTo("forgeline_worker_agent_cost_USD_total");
    }

    private static List<Path> dashboardFiles() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<Path> json =
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            assertThat(json).as("dashboards in %s", DASHBOARDS.toAbsolutePath()).hasSize(5);
            return json;
        }
    }
}
