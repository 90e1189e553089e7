package dev.forgeline.support.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.forgeline.testsupport.GitHttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git layer against a real smart-HTTP git server. */
class GitRunnerTest {
    private static final String TOKEN = "tok-7f3a9c21e5b8";

    private static GitHttpServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        server = GitHttpServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private GitRunner runner(Path tokenFile) {
        GitCredentials credentials = tokenFile == null
                ? GitCredentials.none()
                : GitCredentials.of(Map.of("127.0.0.1", GitCredentials.Host.token(tokenFile, "forgeline")));
        return new GitRunner(GitRunner.Settings.defaults()
                .withCredentials(credentials)
                .withRetries(4, Duration.ofMillis(100))
                .withTimeout(Duration.ofSeconds(60)));
    }

    private Path tokenFile(String token) throws IOException {
        Path file = Files.createTempFile(dir, "token", "");
        Files.writeString(file, token + "\n");
        return file;
    }

    private static RepositoryUrl url(String name) {
        return RepositoryUrl.parse(server.url(name), false);
    }

    private static String unique(String prefix) {
        return prefix + "-" + System.nanoTime();
    }

    @Test
    void clonesFetchesAndPushesWithATokenFromAFile() throws IOException {
        String name = unique("private");
        server.createRepository(name, Map.of("README.md", "hello\n")).requireToken(name, TOKEN);
        GitRunner git = runner(tokenFile(TOKEN));
        Path mirror = dir.resolve("mirrors").resolve(name + ".git");

        git.cloneOrFetch(url(name), mirror);
        String main = git.run(mirror, "rev-parse", "refs/remotes/origin/main").out();
        assertThat(main).isEqualTo(server.head(name, "main").orElseThrow());

        Path worktree = dir.resolve("wt");
        git.addWorktree(mirror, worktree, "forgeline/t1", "refs/remotes/origin/main");
        Files.writeString(worktree.resolve("CHANGE.md"), "changed\n");
        git.run(GitCommand.in(worktree, "add", "CHANGE.md").lockOn(mirror));
        git.run(GitCommand.in(worktree, "commit", "-q", "-m", "change")
                .lockOn(mirror)
                .env("GIT_AUTHOR_NAME", "T")
                .env("GIT_AUTHOR_EMAIL", "t@forgeline.dev")
                .env("GIT_COMMITTER_NAME", "T")
                .env("GIT_COMMITTER_EMAIL", "t@forgeline.dev"));
        String commit = git.run(worktree, "rev-parse", "HEAD").out();
        git.push(mirror, url(name), "refs/heads/forgeline/t1", "refs/heads/forgeline/t1", false);
        assertThat(server.head(name, "forgeline/t1")).contains(commit);
        git.removeWorktree(mirror, worktree);
        assertThat(worktree).doesNotExist();

        git.cloneOrFetch(url(name), mirror);
        assertThat(git.run(mirror, "rev-parse", "refs/remotes/origin/forgeline/t1")
                        .out())
                .isEqualTo(commit);
        assertThat(git.lsRemote(url(name), "main")).isEqualTo(new RemoteCheck(RemoteCheck.Status.REACHABLE, main));
        assertThat(git.lsRemote(url(name), "nope").status()).isEqualTo(RemoteCheck.Status.BRANCH_MISSING);
    }

    @Test
    void aWrongTokenIsAuthFailedAndTheTokenIsNeverShown() throws IOException {
        String name = unique("locked");
        server.createRepository(name, Map.of("a.txt", "a\n")).requireToken(name, TOKEN);
        String wrong = "wrong-secret-55e1d0";
        GitRunner git = runner(tokenFile(wrong));
        long requestsBefore = server.requests().size();

        assertThatThrownBy(() -> git.run(
                        dir,
                        "clone",
                        "--quiet",
                        server.url(name),
                        dir.resolve("c").toString()))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.failure()).isEqualTo(GitFailure.AUTH_FAILED);
                    assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain(TOKEN);
                    assertThat(e.output()).doesNotContain(wrong);
                });
        // refused credentials are not retried: one unauthenticated and one authenticated try
        assertThat(server.requests().size() - requestsBefore).isLessThanOrEqualTo(2);
        assertThat(git.lsRemote(url(name), "main").status()).isEqualTo(RemoteCheck.Status.AUTH_FAILED);
        assertThat(runner(null).lsRemote(url(name), "main").status()).isEqualTo(RemoteCheck.Status.AUTH_FAILED);
    }

    @Test
    void aMissingRepositoryIsNotFound() {
        GitRunner git = runner(null);

        assertThatThrownBy(() -> git.run(
                        dir,
                        "clone",
                        "--quiet",
                        server.url("absent"),
                        dir.resolve("c").toString()))
                .isInstanceOfSatisfying(
                        GitException.class, e -> assertThat(e.failure()).isEqualTo(GitFailure.NOT_FOUND));
        assertThat(git.lsRemote(url("absent"), "main").status()).isEqualTo(RemoteCheck.Status.NOT_FOUND);
    }

    @Test
    void aRepositoryDeletedMidRunIsNotFound() {
        String name = unique("deleted");
        server.createRepository(name, Map.of("a.txt", "a\n"));
        GitRunner git = runner(null);
        Path mirror = dir.resolve(name + ".git");
        git.cloneOrFetch(url(name), mirror);

        server.deleteRepository(name);

        assertThatThrownBy(() -> git.cloneOrFetch(url(name), mirror))
                .isInstanceOfSatisfying(
                        GitException.class, e -> assertThat(e.failure()).isEqualTo(GitFailure.NOT_FOUND));
    }

    @Test
    void aClosedPortIsUnreachable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RepositoryUrl closed = RepositoryUrl.parse("http://127.0.0.1:" + port + "/r.git", false);
        GitRunner git = runner(null);

        assertThatThrownBy(() -> git.run(dir, "ls-remote", closed.toString()))
                .isInstanceOfSatisfying(
                        GitException.class, e -> assertThat(e.failure()).isEqualTo(GitFailure.UNREACHABLE));
        assertThat(git.lsRemote(closed, "main").status()).isEqualTo(RemoteCheck.Status.UNREACHABLE);
    }

    @Test
    void aServerErrorOnTheFirstRequestIsRetried() {
        String name = unique("flaky");
        server.createRepository(name, Map.of("a.txt", "a\n"));
        GitRunner git = runner(null);
        long retriesBefore = git.retries();

        server.failNext(1, 503);
        git.run(dir, "clone", "--quiet", server.url(name), dir.resolve("c").toString());

        assertThat(dir.resolve("c/a.txt")).hasContent("a");
        assertThat(git.retries()).isEqualTo(retriesBefore + 1);
        assertThat(server.requests())
                .anySatisfy(r -> assertThat(r).contains(name).endsWith("-> 503"));
    }

    @Test
    void aTooManyRequestsAnswerIsRetried() {
        String name = unique("busy");
        server.createRepository(name, Map.of("a.txt", "a\n"));
        GitRunner git = runner(null);

        server.failNext(1, 429);

        assertThat(git.lsRemote(url(name), "main").status()).isEqualTo(RemoteCheck.Status.REACHABLE);
        assertThat(server.requests())
                .anySatisfy(r -> assertThat(r).contains(name).endsWith("-> 429"));
    }

    @Test
    void aServerSlowerThanTheLsRemoteLimitIsUnreachable() {
        String name = unique("slow");
        server.createRepository(name, Map.of("a.txt", "a\n"));
        GitRunner git = new GitRunner(new GitRunner.Settings(
                Duration.ofMinutes(1), Duration.ofSeconds(1), 1, Duration.ofMillis(10), GitCredentials.none()));

        server.delayNext(1, Duration.ofSeconds(4));
        long start = System.nanoTime();
        RemoteCheck check = git.lsRemote(url(name), "main");

        assertThat(check.status()).isEqualTo(RemoteCheck.Status.UNREACHABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void serverErrorsThroughEveryTryAreUnreachable() {
        String name = unique("down");
        server.createRepository(name, Map.of("a.txt", "a\n"));
        GitRunner git = runner(null);

        server.failNext(10, 502);
        try {
            assertThatThrownBy(() -> git.run(dir, "ls-remote", server.url(name)))
                    .isInstanceOfSatisfying(
                            GitException.class, e -> assertThat(e.failure()).isEqualTo(GitFailure.UNREACHABLE));
        } finally {
            server.failNext(0, 502);
        }
    }

    @Test
    void aPushToAProtectedBranchIsRejected() throws IOException {
        String name = unique("guarded");
        server.createRepository(name, Map.of("a.txt", "a\n"));
        server.protectBranch(name, "main");
        GitRunner git = runner(null);
        Path mirror = dir.resolve(name + ".git");
        git.cloneOrFetch(url(name), mirror);
        String tree =
                git.run(mirror, "rev-parse", "refs/remotes/origin/main^{tree}").out();
        String commit = git.run(GitCommand.in(mirror, "commit-tree", tree, "-p", "refs/remotes/origin/main", "-m", "w")
                        .env("GIT_AUTHOR_NAME", "T")
                        .env("GIT_AUTHOR_EMAIL", "t@forgeline.dev")
                        .env("GIT_COMMITTER_NAME", "T")
                        .env("GIT_COMMITTER_EMAIL", "t@forgeline.dev"))
                .out();
        git.run(mirror, "branch", "work", commit);

        assertThatThrownBy(() -> git.push(mirror, url(name), "refs/heads/work", "refs/heads/main", true))
                .isInstanceOfSatisfying(
                        GitException.class, e -> assertThat(e.failure()).isEqualTo(GitFailure.REJECTED));
        assertThat(server.head(name, "main")).isNotEqualTo(java.util.Optional.of(commit));
        git.push(mirror, url(name), "refs/heads/work", "refs/heads/other", false);
        assertThat(server.head(name, "other")).contains(commit);
    }

    @Test
    void hooksOfARepositoryAreNotRun() throws IOException {
        GitRunner git = runner(null);
        Path repo = Files.createDirectories(dir.resolve("hooked"));
        git.run(repo, "init", "-q", "-b", "main");
        Path marker = dir.resolve("hook-ran");
        Path hook = repo.resolve(".git/hooks/pre-commit");
        Files.writeString(hook, "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));

        git.run(GitCommand.in(repo, "commit", "-q", "--allow-empty", "-m", "no hooks")
                .env("GIT_AUTHOR_NAME", "T")
                .env("GIT_AUTHOR_EMAIL", "t@forgeline.dev")
                .env("GIT_COMMITTER_NAME", "T")
                .env("GIT_COMMITTER_EMAIL", "t@forgeline.dev"));

        assertThat(marker).doesNotExist();
        assertThat(git.run(repo, "log", "--format=%s").out()).isEqualTo("no hooks");
    }

    @Test
    void aHeldIndexLockIsRetriedUntilReleased() throws Exception {
        GitRunner git = new GitRunner(GitRunner.Settings.defaults().withRetries(20, Duration.ofMillis(100)));
        Path repo = Files.createDirectories(dir.resolve("locked-index"));
        git.run(repo, "init", "-q", "-b", "main");
        Files.writeString(repo.resolve("f.txt"), "f\n");
        Path lock = Files.createFile(repo.resolve(".git/index.lock"));
        long retriesBefore = git.retries();

        CompletableFuture<GitResult> add = CompletableFuture.supplyAsync(() -> git.run(repo, "add", "f.txt"));
        await().atMost(Duration.ofSeconds(10)).until(() -> git.retries() > retriesBefore);
        assertThat(add).isNotDone();
        Files.delete(lock);

        assertThat(add.get().ok()).isTrue();
        assertThat(git.run(repo, "ls-files").out()).isEqualTo("f.txt");
    }

    @Test
    void aLockHeldThroughEveryTryFails() throws Exception {
        GitRunner git = new GitRunner(GitRunner.Settings.defaults().withRetries(2, Duration.ofMillis(10)));
        Path repo = Files.createDirectories(dir.resolve("stuck-index"));
        git.run(repo, "init", "-q", "-b", "main");
        Files.writeString(repo.resolve("f.txt"), "f\n");
        Files.createFile(repo.resolve(".git/index.lock"));

        assertThatThrownBy(() -> git.run(repo, "add", "f.txt")).isInstanceOfSatisfying(GitException.class, e -> {
            assertThat(e.failure()).isEqualTo(GitFailure.OTHER);
            assertThat(e.getMessage()).contains("index.lock");
        });
    }

    @Test
    void aCommandOverItsTimeLimitIsKilledWithItsChildren() {
        GitRunner git = runner(null);
        String marker = "61.4" + (System.nanoTime() % 1000);

        assertThatThrownBy(() -> git.run(GitCommand.in(dir, "-c", "alias.hang=!sleep " + marker + "; :", "hang")
                        .timeout(Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(
                        GitException.class, e -> assertThat(e.failure()).isEqualTo(GitFailure.TIMEOUT));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ProcessHandle.allProcesses()
                        .noneMatch(p -> p.info().commandLine().orElse("").contains("sleep " + marker)));
    }

    @Test
    void commandsOnOneRepositoryRunOneAtATime() throws Exception {
        GitRunner git = runner(null);
        Path repo = Files.createDirectories(dir.resolve("serial"));
        git.run(repo, "init", "-q", "-b", "main");
        CompletableFuture<Boolean> entered = new CompletableFuture<>();
        CompletableFuture<Void> release = new CompletableFuture<>();
        CompletableFuture<Object> holder = CompletableFuture.supplyAsync(() -> git.locked(repo, () -> {
            entered.complete(true);
            return release.join();
        }));
        entered.get();

        CompletableFuture<GitResult> status = CompletableFuture.supplyAsync(() -> git.run(repo, "status"));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !status.isDone());
        release.complete(null);

        assertThat(status.get().ok()).isTrue();
        holder.get();
    }

    @Test
    void credentialsInOutputAreMasked() throws IOException {
        Path token = tokenFile(TOKEN);
        GitRunner git = runner(token);

        assertThat(git.mask("fatal: unable to access 'https://user:hunter2@example.com/r.git/': " + TOKEN))
                .isEqualTo("fatal: unable to access 'https://***@example.com/r.git/': ***");
    }
}
