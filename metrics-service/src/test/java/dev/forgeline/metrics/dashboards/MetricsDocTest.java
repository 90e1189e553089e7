package dev.forgeline.metrics.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.forgeline.contracts.MetricNames;
import org.junit.jupiter.api.Test;

/** docs/metrics.md defines every instrument with its Prometheus series, unit and attributes. */
class MetricsDocTest {
    @Test
    void everyInstrumentHasARowWithItsSeriesUnitAndAttributes() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "metrics.md"));
        for (MetricNames.Instrument instrument : MetricNames.ALL) {
            String row = doc.lines()
                    .filter(l -> l.contains("`" + instrument.name() + "`"))
                    .findFirst()
                    .orElse("");
            assertThat(row)
                    .as("row of %s", instrument.name())
                    .contains("`" + MetricNames.prometheusName(instrument) + "`", "`" + instrument.unit() + "`");
            instrument
                    .attributes()
                    .forEach(a -> assertThat(row)
                            .as("attribute of %s", instrument.name())
                            .contains("`" + a + "`"));
        }
    }
}
