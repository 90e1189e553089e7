package dev.forgeline.worker.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.verification.WeakenedVerification;
import dev.forgeline.worker.TestRepositories;
import dev.forgeline.worker.git.Worktrees;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification flags read from real git diffs of an attempt's worktree against its base commit. */
class WeakenedVerificationTest {
    @TempDir
    Path temp;

    private final Worktrees worktrees = new Worktrees(new GitRunner(GitRunner.Settings.defaults()));
    private Path repository;
    private Path worktree;
    private String base;

    @BeforeEach
    void repositoryWithTestsCoverageAndLintConfiguration() throws Exception {
        repository = TestRepositories.create(temp.resolve("repos"));
        write(repository, "src/test/java/com/example/SlugTest.java", """
                class SlugTest {
                    @Test
                    void lowerCases() {
                        assertEquals("a-b", Slug.of("A B"));
                    }
                    @Test
                    void trims() {
                        assertEquals("a", Slug.of(" a "));
                        assertThat(Slug.of("")).isEmpty();
                    }
                }
                """);
        write(repository, "tests/test_slug.py", """
                def test_slug():
                    assert slugify("A B") == "a-b"
                    assert slugify("") == ""
                """);
        write(repository, "web/slug.test.ts", """
                it('lower-cases', () => {
                  expect(slug('A')).toBe('a');
                });
                """);
        write(repository, ".coveragerc", "[run]\nsource = textkit\n[report]\nfail_under = 90\n");
        write(repository, "jest.config.js", """
                module.exports = {
                  coverageThreshold: {
                    global: {
                      branches: 80,
                      lines: 85,
                    },
                  },
                };
                """);
        write(repository, "pom.xml", """
                <project>
                  <plugin>
                    <artifactId>jacoco-maven-plugin</artifactId>
                    <configuration>
                      <rules><rule><limits><limit>
                        <counter>LINE</counter>
                        <minimum>0.80</minimum>
                      </limit></limits></rule></rules>
                    </configuration>
                  </plugin>
                </project>
                """);
        write(repository, ".eslintrc.json", """
                {
                  "rules": {
                    "no-unused-vars": "error",
                    "eqeqeq": "error"
                  }
                }
                """);
        write(repository, "textkit/slug.py", "def slugify(text):\n    return text.lower().replace(' ', '-')\n");
        TestRepositories.git(repository, "add", "-A");
        TestRepositories.git(
                repository,
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@localhost",
                "commit",
                "-q",
                "-m",
                "tests and configuration");
        base = worktrees.baseCommit(repository, "main");
        worktree = temp.resolve("workspace/spec/T1/a1");
        worktrees.create(repository, "forgeline/spec/T1/a1", worktree, base);
    }

    private static void write(Path root, String path, String content) throws Exception {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private void replace(String path, String from, String to) throws Exception {
        Path file = worktree.resolve(path);
        String content = Files.readString(file);
        assertThat(content).contains(from);
        Files.writeString(file, content.replace(from, to));
    }

    private List<String> flagsOfTheCommittedWork() throws Exception {
        assertThat(worktrees.commitAll(repository, worktree, "T1: work")).isPresent();
        return WeakenedVerification.flags(worktrees.diff(repository, worktree, base));
    }

    @Test
    void honestWorkWithNewTestsRaisesNoFlag() throws Exception {
        replace("textkit/slug.py", "return text.lower()", "return text.strip().lower()");
        replace(
                "tests/test_slug.py",
                "assert slugify(\"\") == \"\"",
                "assert slugify(\"\") == \"\"\n    assert slugify(\" a \") == \"a\"");
        write(worktree, "tests/test_trim.py", "def test_trim():\n    assert slugify(' a ') == 'a'\n");

        assertThat(flagsOfTheCommittedWork()).isEmpty();
    }

    @Test
    void deletedTestFile() throws Exception {
        Files.delete(worktree.resolve("src/test/java/com/example/SlugTest.java"));

        assertThat(flagsOfTheCommittedWork()).containsExactly("TEST_DELETED: src/test/java/com/example/SlugTest.java");
    }

    @Test
    void disabledTests() throws Exception {
        replace(
                "src/test/java/com/example/SlugTest.java",
                "    @Test\n    void trims()",
                "    @Disabled(\"flaky\")\n    @Test\n    void trims()");
        replace("web/slug.test.ts", "it('lower-cases'", "it.skip('lower-cases'");

        assertThat(flagsOfTheCommittedWork())
                .containsExactly(
                        "TEST_DISABLED: src/test/java/com/example/SlugTest.java", "TEST_DISABLED: web/slug.test.ts");
    }

    @Test
    void removedAssertions() throws Exception {
        replace("tests/test_slug.py", "    assert slugify(\"\") == \"\"\n", "");
        replace("src/test/java/com/example/SlugTest.java", "        assertThat(Slug.of(\"\")).isEmpty();\n", "");

        assertThat(flagsOfTheCommittedWork())
                .containsExactly(
                        "ASSERTION_REMOVED: src/test/java/com/example/SlugTest.java",
                        "ASSERTION_REMOVED: tests/test_slug.py");
    }

    @Test
    void narrowedCoverage() throws Exception {
        replace(".coveragerc", "source = textkit\n", "source = textkit\nomit = textkit/slug.py\n");
        replace("jest.config.js", "branches: 80", "branches: 10");
        replace("pom.xml", "<minimum>0.80</minimum>", "<minimum>0.10</minimum>");

        assertThat(flagsOfTheCommittedWork())
                .containsExactly(
                        "COVERAGE_NARROWED: .coveragerc",
                        "COVERAGE_NARROWED: jest.config.js",
                        "COVERAGE_NARROWED: pom.xml");
    }

    @Test
    void raisedCoverageIsNotNarrowed() throws Exception {
        replace("jest.config.js", "branches: 80", "branches: 90");

        assertThat(flagsOfTheCommittedWork()).isEmpty();
    }

    @Test
    void relaxedLint() throws Exception {
        replace(".eslintrc.json", "\"eqeqeq\": \"error\"", "\"eqeqeq\": \"off\"");
        replace("textkit/slug.py", "def slugify(text):", "def slugify(text):  # noqa: E501");

        assertThat(flagsOfTheCommittedWork())
                .containsExactly("LINT_RELAXED: .eslintrc.json", "LINT_RELAXED: textkit/slug.py");
    }

    @Test
    void buildSkippingTests() throws Exception {
        replace("pom.xml", "<project>\n", "<project>\n  <properties><skipTests>true</skipTests></properties>\n");

        assertThat(flagsOfTheCommittedWork()).contains("TEST_DISABLED: pom.xml");
    }
}
