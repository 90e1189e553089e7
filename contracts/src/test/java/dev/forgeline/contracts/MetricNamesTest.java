package dev.forgeline.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;

import org.junit.jupiter.api.Test;

class MetricNamesTest {
    @Test
    void namesAreUniqueDottedAndPrefixed() {
        var seen = new HashSet<String>();
        for (var instrument : MetricNames.ALL) {
            assertThat(seen.add(instrument.name())).as(instrument.name()).isTrue();
            assertThat(instrument.name()).matches("forgeline(\\.[a-z_]+)+");
        }
    }

    @Test
    void prometheusNamesFollowTheExporterMapping() {
        assertThat(MetricNames.prometheusName(MetricNames.instrument(MetricNames.DISPATCHER_LEASES)))
                .isEqualTo("forgeline_dispatcher_leases_total");
        assertThat(MetricNames.prometheusName(MetricNames.instrument(MetricNames.REVIEW_DECISION_LAG)))
                .isEqualTo("forgeline_review_decision_lag_seconds");
        assertThat(MetricNames.prometheusName(MetricNames.instrument(MetricNames.WORKER_AGENT_COST)))
                .isEqualTo("forgeline_worker_agent_cost_USD_total");
        assertThat(MetricNames.prometheusName(MetricNames.instrument(MetricNames.DISPATCHER_QUEUE_DEPTH)))
                .isEqualTo("forgeline_dispatcher_queue_depth");
    }
}
