package dev.forgeline.review;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Writes a fresh git token to a file and configures it for host 127.0.0.1 (where the tests' {@link
 * dev.forgeline.testsupport.GitHttpServer}s listen), as an operator mounts one per host: the service authenticates
 * to the served repositories through the shared git layer's credential files only.
 */
public class GitTokenResource implements QuarkusTestResourceLifecycleManager {
    static final String TOKEN_FILE_KEY = "forgeline.test.git-token-file";

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createDirectories(
                    Path.of("target", "git-token-" + System.nanoTime()).toAbsolutePath());
            Path file = Files.writeString(dir.resolve("token"), "review-" + UUID.randomUUID() + "\n");
            return Map.of(
                    "forgeline.git.hosts.\"127.0.0.1\".token-file", file.toString(), TOKEN_FILE_KEY, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {}
}
