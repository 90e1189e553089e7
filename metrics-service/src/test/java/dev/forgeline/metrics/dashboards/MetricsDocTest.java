package dev.forgeline.metrics.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.forgeline.contracts.MetricNames;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md defines every instrument with the series name the OpenTelemetry Collector exports it as, its unit
 * and its attributes.
 */
class MetricsDocTest {
    @Test
    void everyInstrumentHasARowWithItsSeriesUnitAndAttributes() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "metrics.md"));
        for (MetricNames.Instrument instrument : MetricNames.ALL) {
            String row = doc.lines()
                    .filter(l -> l.startsWith("|") && l.contains("`" + instrument.name() + "`"))
                    .findFirst()
                    .orElse("");
            assertThat(row)
                    .as("row of %s", instrument.name())
                    .contains("`" + CollectorPrometheusNames.name(instrument) + "`", "`" + instrument.unit() + "`");
            instrument
                    .attributes()
                    .forEach(a -> assertThat(row)
                            .as("attribute of %s", instrument.name())
                            .contains("`" + a + "`"));
        }
    }
}
