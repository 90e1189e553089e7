package dev.forgeline.review;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.testsupport.GitHttpServer;
import dev.forgeline.testsupport.gitlab.FakeGitLab;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A git server and a fake GitLab over it, and the review service configured to merge every repository of that
 * server through merge requests. The server is addressed as {@code localhost} (the other tests' servers are {@code
 * 127.0.0.1}), so it has its own token file, as a second git host has; the same token is the API token, sent as
 * {@code PRIVATE-TOKEN}.
 */
public class GitLabResource implements QuarkusTestResourceLifecycleManager {
    /** The fake acts for the review service as this user. */
    static final String BOT = "forgeline-bot";
    /** A person reviewing merge requests. */
    static final String REVIEWER = "alice";

    static final String REVIEWER_TOKEN = "alice-" + UUID.randomUUID();

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    @interface Inject {}

    /** What the test needs: the git server, the fake and the token the service uses. */
    record Servers(GitHttpServer git, FakeGitLab gitlab, String token) {
        /** The URL attempts name for repository {@code name}, on host localhost. */
        String url(String name) {
            return git.url(name).replace("127.0.0.1", "localhost");
        }
    }

    private Servers servers;

    @Override
    public Map<String, String> start() {
        String token = "bot-" + UUID.randomUUID();
        GitHttpServer git = GitHttpServer.start().requireToken(token);
        FakeGitLab gitlab = FakeGitLab.start(git, token, BOT).addToken(REVIEWER_TOKEN, REVIEWER);
        servers = new Servers(git, gitlab, token);
        try {
            Path dir = Files.createDirectories(
                    Path.of("target", "gitlab-token-" + System.nanoTime()).toAbsolutePath());
            Path file = Files.writeString(dir.resolve("token"), token + "\n");
            String repositories = "forgeline.review.repositories.\"localhost:" + git.port() + "\".";
            return Map.of(
                    "forgeline.git.hosts.\"localhost\".token-file",
                    file.toString(),
                    repositories + "merge-mode",
                    "pull-request",
                    repositories + "hosting",
                    "gitlab",
                    repositories + "api-url",
                    gitlab.apiUrl());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(servers, new TestInjector.AnnotatedAndMatchesType(Inject.class, Servers.class));
    }

    @Override
    public void stop() {
        if (servers != null) {
            servers.gitlab().close();
            servers.git().close();
        }
    }
}
