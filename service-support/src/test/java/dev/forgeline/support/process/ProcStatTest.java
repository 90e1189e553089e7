package dev.forgeline.support.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading {@code /proc/<pid>/stat} lines and the ledger's lines. */
class ProcStatTest {
    @Test
    void statLinesWithSpacesAndParenthesesInTheCommandAreRead() {
        String line = "4242 (my (odd) cmd) S 1 4240 4240 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100";
        ProcStat stat = ProcStat.parse(4242, line).orElseThrow();
        assertThat(stat.command()).isEqualTo("my (odd) cmd");
        assertThat(stat.state()).isEqualTo('S');
        assertThat(stat.parentPid()).isEqualTo(1);
        assertThat(stat.processGroup()).isEqualTo(4240);
        assertThat(stat.session()).isEqualTo(4240);
        assertThat(stat.startTicks()).isEqualTo(987654);
        assertThat(TrackedProcess.fromLine(new TrackedProcess(1, 1, 2, "b").toLine()))
                .contains(new TrackedProcess(1, 1, 2, "b"));
    }
}
