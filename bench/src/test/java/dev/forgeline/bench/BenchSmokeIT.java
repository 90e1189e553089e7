package dev.forgeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The CI smoke run of every benchmark: {@code java -jar bench/target/forgeline-bench.jar smoke} from the source
 * tree's root, as a person would run it, on the services the build packaged. Its figures are printed, not asserted:
 * it fails only when a benchmark crashes (the command exits non-zero) or writes no result line.
 */
class BenchSmokeIT {
    private static final Path HOME =
            Path.of(System.getProperty("forgeline.home", "..")).toAbsolutePath().normalize();

    @Test
    void everyBenchmarkRunsToItsEndAtATinySizeAndWritesItsResultLine() throws Exception {
        for (String benchmark : Bench.smokeBenchmarks()) {
            Files.deleteIfExists(Bench.smokeResults(HOME).resolve(benchmark + ".jsonl"));
        }
        Process smoke = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        HOME.resolve("bench/target/forgeline-bench.jar").toString(),
                        "smoke")
                .directory(HOME.toFile())
                .redirectErrorStream(true)
                .start();
        List<String> output = new CopyOnWriteArrayList<>();
        // through this JVM's System.out: the test JVM's own stdout is failsafe's channel, not a terminal
        Thread echo = new Thread(
                () -> {
                    try (BufferedReader lines =
                            new BufferedReader(new InputStreamReader(smoke.getInputStream(), StandardCharsets.UTF_8))) {
                        lines.lines().forEach(line -> {
                            output.add(line);
                            System.out.println(line);
                        });
                    } catch (IOException e) {
                        System.out.println("smoke output ended: " + e);
                    }
                },
                "smoke-output");
        echo.start();
        // far beyond the 3 minutes it takes on a 2-core machine: a hang must not hold the build
        boolean ended = smoke.waitFor(15, TimeUnit.MINUTES);
        if (!ended) {
            smoke.descendants().forEach(ProcessHandle::destroyForcibly);
            smoke.destroyForcibly();
        }
        echo.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(ended).as("the smoke run ended within 15 minutes").isTrue();
        assertThat(smoke.exitValue()).as("exit code of the smoke run").isZero();
        // the drain's profile (on in the smoke run) read the dispatcher's threads and its flight recording for the
        // drain window: the dispatch loop granted every lease, so it used CPU then
        assertThat(output)
                .anySatisfy(line -> assertThat(line).startsWith("dispatcher threads in the window"))
                .anySatisfy(line -> assertThat(line)
                        .matches("\\s+\\d+\\.\\d\\d s CPU .*dispatch-loop")
                        .doesNotContain(" 0.00 s CPU"))
                .anySatisfy(line -> assertThat(line).startsWith("dispatcher JFR samples in the window:"));
        for (String benchmark : Bench.smokeBenchmarks()) {
            assertThat(resultLines(Bench.smokeResults(HOME).resolve(benchmark + ".jsonl")))
                    .as("result lines of %s", benchmark)
                    .isNotEmpty()
                    .allSatisfy(line -> assertThat(BenchSupport.readTree(line)
                                    .path("benchmark")
                                    .asText())
                            .isEqualTo(benchmark));
        }
    }

    private static List<String> resultLines(Path file) throws IOException {
        return Files.exists(file)
                ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList()
                : List.of();
    }
}
