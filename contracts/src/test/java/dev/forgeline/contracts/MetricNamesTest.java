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
}
