package dev.forgeline.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * JDBC rows are read by column name, never by position: {@code rs.getLong(7)} silently reads another column once
 * the SELECT list changes, {@code rs.getLong("fencing_token")} fails loudly. Scans the main sources of every
 * module (ArchUnit sees calls, not their arguments).
 */
class ColumnReadsByNameTest {
    /** A ResultSet getter called with a column index. */
    private static final Pattern POSITIONAL_READ = Pattern.compile(
            "\\b(\\w+)\\.get(String|Int|Long|Short|Byte|Boolean|Timestamp|Date|Time|Object|Double|Float|BigDecimal"
                    + "|Array|Bytes)\\(\\s*\\d+\\s*[,)]");

    private static final Pattern RESULT_SET_VARIABLE = Pattern.compile("\\bResultSet\\s+(\\w+)");

    /** A method, constructor or nested type declared at class-member indentation (the formatter's 4 spaces). */
    private static final Pattern MEMBER =
            Pattern.compile("^ {4}(?:(?:public|protected|private|static|final|synchronized|abstract|default)\\s+)*"
                    + "(?:<[^()=]*>\\s+)?(?:[\\w.?]+(?:<[^()=]*>)?(?:\\[])*\\s+)?(\\w+)\\s*\\(");

    /** Methods allowed to read by position, by source file: none. */
    private static final Map<String, Set<String>> ALLOWED = Map.of();

    @Test
    void everyModuleReadsColumnsByName() throws IOException {
        Path root = Path.of(System.getProperty("forgeline.root", ".."))
                .toAbsolutePath()
                .normalize();
        List<Path> sources = mainSources(root);
        // an empty scan would pass without looking at anything
        assertThat(sources)
                .as("main sources under %s", root)
                .anyMatch(p -> p.endsWith(
                        "dispatcher-service/src/main/java/dev/forgeline/dispatcher/repository/NodeRepository.java"))
                .anyMatch(p -> p.toString().contains("service-support/src/main/java/"));
        List<String> found = new ArrayList<>();
        for (Path source : sources) {
            String file = root.relativize(source).toString().replace('\\', '/');
            found.addAll(positionalReads(file, Files.readString(source), ALLOWED.getOrDefault(file, Set.of())));
        }
        assertThat(found)
                .as("ResultSet reads by column index: read by name, aliasing computed columns (AS name)")
                .isEmpty();
    }

    @Test
    void aPositionalReadIsCaught() throws IOException {
        String file =
                "architecture-tests/src/test/java/dev/forgeline/architecture/fixture/repository/PositionalReader.java";
        Path root = Path.of(System.getProperty("forgeline.root", ".."))
                .toAbsolutePath()
                .normalize();
        String source = Files.readString(root.resolve(file));

        assertThat(positionalReads(file, source, Set.of()))
                .singleElement()
                .satisfies(finding ->
                        assertThat(finding).startsWith(file + ":10: byIndex: ").contains("row.getString(2)"));
        assertThat(positionalReads(file, source, Set.of("byIndex"))).isEmpty();
    }

    /** Findings as {@code file:line: method: code}; reads inside the {@code allowed} methods are left out. */
    static List<String> positionalReads(String file, String source, Set<String> allowed) {
        Set<String> resultSets = new HashSet<>(Set.of("rs", "resultSet"));
        Matcher declared = RESULT_SET_VARIABLE.matcher(source);
        while (declared.find()) {
            resultSets.add(declared.group(1));
        }
        List<String> found = new ArrayList<>();
        String member = "";
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher declaration = MEMBER.matcher(lines[i]);
            if (declaration.find()) {
                member = declaration.group(1);
            }
            Matcher read = POSITIONAL_READ.matcher(lines[i]);
            while (read.find()) {
                if (resultSets.contains(read.group(1)) && !allowed.contains(member)) {
                    found.add(file + ":" + (i + 1) + ": " + member + ": " + lines[i].strip());
                }
            }
        }
        return found;
    }

    private static List<Path> mainSources(Path root) throws IOException {
        try (Stream<Path> modules = Files.list(root)) {
            return modules.map(module -> module.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .flatMap(ColumnReadsByNameTest::javaFiles)
                    .sorted()
                    .toList();
        }
    }

    private static Stream<Path> javaFiles(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
