package dev.forgeline.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results of different repositories are merged side by side, over the real broker and git server: each served
 * repository's pre-receive hook meets the other's at a named pipe (a write and a read that each block until the
 * other end is open), so a push goes through only while the other repository's push is in its hook too. Merged
 * one after the other, the first push would wait alone until its hook gives up and refuses it.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = GitTokenResource.class, restrictToAnnotatedClass = false)
class SideBySideMergeTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    /** How long a hook waits for the other push: far beyond two triages on a loaded machine, within WAIT. */
    private static final int HOOK_WAIT_SECONDS = 120;

    private static TestKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void mergesIntoTwoRepositoriesOverlapInTime() throws Exception {
        String specA = Events.uniqueSpec("side-a");
        String specB = Events.uniqueSpec("side-b");
        GitRepo repoA = GitRepo.init(tmp.resolve("a"));
        GitRepo repoB = GitRepo.init(tmp.resolve("b"));
        GitRepo.Attempt attemptA = repoA.attemptBranch(specA, "T1", "a.txt", 2);
        GitRepo.Attempt attemptB = repoB.attemptBranch(specB, "T1", "b.txt", 3);
        Served.serve(repoA, "side-a");
        Served.serve(repoB, "side-b");
        Path pipe = tmp.resolve("meeting");
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        meetInPreReceive(repoA, "echo a > '" + pipe + "'");
        meetInPreReceive(repoB, "cat '" + pipe + "' > /dev/null");

        for (String spec : List.of(specA, specB)) {
            GitRepo repo = spec.equals(specA) ? repoA : repoB;
            GitRepo.Attempt attempt = spec.equals(specA) ? attemptA : attemptB;
            String key = Topics.key(spec, "T1");
            kafka.publish(EventType.TASK_RESULT, spec, "T1", key, Events.succeeded(spec, "T1", 7, repo, attempt));
            kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", key, Events.accepted(spec, "T1", 7));
        }

        ReviewOutcome mergedA = awaitOutcome(specA, TaskState.MERGED);
        ReviewOutcome mergedB = awaitOutcome(specB, TaskState.MERGED);
        assertThat(repoA.servedMain()).isEqualTo(mergedA.mergeCommit());
        assertThat(repoB.servedMain()).isEqualTo(mergedB.mergeCommit());
        assertThat(repoA.servedFile("a.txt")).isEqualTo("line 1\nline 2\n");
        assertThat(repoB.servedFile("b.txt")).isEqualTo("line 1\nline 2\nline 3\n");
    }

    /** The served repository's pre-receive hook runs {@code meet} and refuses the push when it does not end. */
    private static void meetInPreReceive(GitRepo repo, String meet) {
        String url = repo.url();
        String name = url.substring(url.lastIndexOf('/') + 1);
        Path hook = Served.server()
                .repositoriesDirectory()
                .resolve(name)
                .resolve("hooks")
                .resolve("pre-receive");
        String script = "#!/bin/sh\ncat > /dev/null\n"
                + "timeout " + HOOK_WAIT_SECONDS + " sh -c \"" + meet + "\" || {\n"
                + "  echo 'no push into the other repository while this one was pushed' >&2\n  exit 1\n}\n";
        try {
            Files.createDirectories(hook.getParent());
            Files.writeString(hook, script);
            Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ReviewOutcome awaitOutcome(String spec, TaskState state) {
        return kafka.await(
                        Topics.REVIEW_OUTCOMES,
                        e -> spec.equals(e.specId())
                                && "T1".equals(e.taskId())
                                && e.payloadAs(ReviewOutcome.class).state() == state,
                        1,
                        WAIT)
                .get(0)
                .payloadAs(ReviewOutcome.class);
    }
}
