package dev.forgeline.review.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.forgeline.review.service.Triage;
import dev.forgeline.review.service.TriageDecision;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The labelled set: realistic diffs in {@code src/test/resources/triage-cases} (before/after trees with the
 * expected level), each committed to a real git repository and analyzed with JGit exactly as the service does.
 * Every case must get its expected level.
 */
class TriageLabelledSetTest {
    @TempDir
    Path tmp;

    @Test
    void everyLabelledDiffGetsItsExpectedLevel() throws Exception {
        List<Path> caseFiles = caseFiles();
        assertThat(caseFiles).as("labelled diffs").hasSizeGreaterThanOrEqualTo(30);
        List<String> disagreements = new ArrayList<>();
        int[] perLevel = new int[4];
        for (Path file : caseFiles) {
            LabelledCase labelled = LabelledCase.parse(file);
            TriageDecision decision = triage(labelled, tmp.resolve(labelled.name()));
            perLevel[labelled.expectedLevel()]++;
            if (decision.level() != labelled.expectedLevel()) {
                disagreements.add(labelled.name() + ": expected " + labelled.expectedLevel() + ", got "
                        + decision.level() + " " + decision.reasons());
            }
        }
        int agreed = caseFiles.size() - disagreements.size();
        System.out.printf(
                "triage labelled set: %d/%d diffs at their expected level (%.1f%% agreement); "
                        + "expected levels 0:%d 1:%d 2:%d 3:%d%n",
                agreed,
                caseFiles.size(),
                100.0 * agreed / caseFiles.size(),
                perLevel[0],
                perLevel[1],
                perLevel[2],
                perLevel[3]);
        disagreements.forEach(d -> System.out.println("  disagreement " + d));
        assertThat(disagreements).isEmpty();
        assertThat(perLevel).as("every level is represented").doesNotContain(0);
    }

    @Test
    void reasonsNameTheSurfaceAndNeverASecretValue() throws Exception {
        LabelledCase secret = LabelledCase.parse(caseFile("25-hardcoded-secret.case"));
        Path repo = tmp.resolve("secret");
        Commits commits = commit(secret, repo);
        DiffAnalysis analysis = DiffAnalyzer.analyze(repo, commits.base(), commits.head(), ReviewRules.defaults(100));
        TriageDecision decision = Triage.decide(
                analysis, null, ReviewRules.defaults(100), true, true, LintOutcome.notConfigured(), List.of());
        assertThat(decision.reasons()).anySatisfy(r -> assertThat(r).startsWith("security surface: app/settings.py"));
        assertThat(String.join("\n", decision.reasons())).doesNotContain("sk_live_51HxTestValue0000");
        assertThat(analysis.patch()).contains("API_KEY = \"***\"").doesNotContain("sk_live_51HxTestValue0000");

        LabelledCase migration = LabelledCase.parse(caseFile("40-flyway-migration.case"));
        TriageDecision level3 = triage(migration, tmp.resolve("migration"));
        assertThat(level3.reasons())
                .containsExactly(
                        "data model: src/main/resources/db/migration/V2__order_currency.sql: data model / migration");
    }

    @Test
    void aCleanSmallDiffListsWhyItMergesAlone() throws Exception {
        TriageDecision decision =
                triage(LabelledCase.parse(caseFile("00-shell-function-with-test.case")), tmp.resolve("clean"));
        assertThat(decision.level()).isZero();
        assertThat(decision.reasons())
                .containsExactly(
                        "tests passed",
                        "8 changed lines (limit 100)",
                        "no lint command configured",
                        "no risky surface");
    }

    static TriageDecision triage(LabelledCase labelled, Path repo) throws Exception {
        Commits commits = commit(labelled, repo);
        ReviewRules rules = RulesFile.read(repo, "main", 100);
        DiffAnalysis analysis = DiffAnalyzer.analyze(repo, commits.base(), commits.head(), rules);
        LintOutcome lint = labelled.lintPassed()
                ? LintOutcome.notConfigured()
                : new LintOutcome("ruff check .", false, 1, "E225 missing whitespace");
        return Triage.decide(
                analysis, null, rules, labelled.testsRan(), labelled.testsPassed(), lint, labelled.workerFlags());
    }

    record Commits(String base, String head) {}

    /** main holds README.md and the case's before tree; branch {@code task} holds the after tree. */
    static Commits commit(LabelledCase labelled, Path repo) throws Exception {
        Files.createDirectories(repo);
        PersonIdent who = new PersonIdent("Test", "test@localhost");
        try (Git git =
                Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            write(repo, "README.md", "# shop\n");
            for (LabelledCase.FileOp op : labelled.ops()) {
                if (op.kind().equals("before")) {
                    write(repo, op.path(), op.content());
                }
            }
            git.add().addFilepattern(".").call();
            RevCommit base = git.commit()
                    .setMessage("base")
                    .setAuthor(who)
                    .setCommitter(who)
                    .setSign(false)
                    .call();
            git.checkout().setCreateBranch(true).setName("task").call();
            for (LabelledCase.FileOp op : labelled.ops()) {
                switch (op.kind()) {
                    case "after" -> write(repo, op.path(), op.content());
                    case "delete" -> Files.delete(repo.resolve(op.path()));
                    case "rename" -> {
                        Path target = repo.resolve(op.target());
                        Files.createDirectories(target.getParent());
                        Files.move(repo.resolve(op.path()), target);
                    }
                    default -> {}
                }
            }
            git.add().addFilepattern(".").call();
            git.add().setUpdate(true).addFilepattern(".").call();
            RevCommit head = git.commit()
                    .setMessage("task")
                    .setAuthor(who)
                    .setCommitter(who)
                    .setSign(false)
                    .call();
            git.checkout().setName("main").call();
            return new Commits(base.name(), head.name());
        }
    }

    private static void write(Path repo, String path, String content) throws IOException {
        Path file = repo.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    static List<Path> caseFiles() throws IOException, URISyntaxException {
        URL dir = TriageLabelledSetTest.class.getResource("/triage-cases");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.filter(p -> p.toString().endsWith(".case")).sorted().toList();
        }
    }

    static Path caseFile(String name) throws URISyntaxException {
        return Path.of(
                TriageLabelledSetTest.class.getResource("/triage-cases/" + name).toURI());
    }

    /** A case file: header lines ({@code expect: N}, {@code tests:}, {@code lint:}, {@code flag:}), then file sections. */
    record LabelledCase(
            String name,
            int expectedLevel,
            boolean testsRan,
            boolean testsPassed,
            boolean lintPassed,
            List<String> workerFlags,
            List<FileOp> ops) {

        record FileOp(String kind, String path, String target, String content) {}

        static LabelledCase parse(Path file) throws IOException {
            String name = file.getFileName().toString().replace(".case", "");
            int expect = -1;
            String tests = "passed";
            String lint = "clean";
            List<String> flags = new ArrayList<>();
            List<FileOp> ops = new ArrayList<>();
            String kind = null;
            String path = null;
            StringBuilder content = new StringBuilder();
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String[] lines = (text.endsWith("\n") ? text.substring(0, text.length() - 1) : text).split("\n", -1);
            for (String line : lines) {
                if (line.startsWith("=== ")) {
                    if (kind != null) {
                        ops.add(op(kind, path, content));
                    }
                    String[] parts = line.substring(4).split(" ", 2);
                    kind = parts[0];
                    path = parts[1];
                    content.setLength(0);
                } else if (kind != null) {
                    content.append(line).append('\n');
                } else if (line.startsWith("expect:")) {
                    expect = Integer.parseInt(line.substring(7).strip());
                } else if (line.startsWith("tests:")) {
                    tests = line.substring(6).strip();
                } else if (line.startsWith("lint:")) {
                    lint = line.substring(5).strip();
                } else if (line.startsWith("flag:")) {
                    flags.add(line.substring(5).strip());
                }
            }
            if (kind != null) {
                ops.add(op(kind, path, content));
            }
            assertThat(expect).as("expected level of %s", name).isBetween(0, 3);
            return new LabelledCase(
                    name, expect, !tests.equals("not-run"), tests.equals("passed"), lint.equals("clean"), flags, ops);
        }

        private static FileOp op(String kind, String path, StringBuilder content) {
            String text = content.toString();
            if (kind.equals("rename")) {
                String[] paths = path.split(" -> ");
                return new FileOp(kind, paths[0], paths[1], "");
            }
            return new FileOp(kind, path, null, text);
        }
    }
}
