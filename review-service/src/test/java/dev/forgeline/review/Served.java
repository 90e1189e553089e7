package dev.forgeline.review;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import dev.forgeline.testsupport.GitHttpServer;
import org.eclipse.microprofile.config.ConfigProvider;

/** The git server the application's tests push to, requiring the token the application was configured with. */
final class Served {
    private static GitHttpServer server;
    private static String token;

    private Served() {}

    static synchronized GitHttpServer server() {
        if (server == null) {
            server = GitHttpServer.start().requireToken(token());
            GitHttpServer started = server;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close));
        }
        return server;
    }

    static synchronized String token() {
        if (token == null) {
            String file = ConfigProvider.getConfig().getValue(GitTokenResource.TOKEN_FILE_KEY, String.class);
            try {
                token = Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return token;
    }

    /** Serves {@code repo} under a new name: attempts name its URL from now on. */
    static GitRepo serve(GitRepo repo, String prefix) {
        return repo.serve(server(), prefix + "-" + UUID.randomUUID().toString().substring(0, 8), token());
    }
}
