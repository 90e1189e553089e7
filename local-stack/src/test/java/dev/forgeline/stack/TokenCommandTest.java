package dev.forgeline.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.forgeline.support.auth.TokenStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandTest {
    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return TokenCommand.run(
                home,
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void createListRevokeOnTheStacksTokenStore() throws Exception {
        assertThat(run("create", "ada", "--role", "submitter,reviewer")).isZero();
        String secret =
                out.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
        Path file = home.resolve(".forgeline/stack/tokens");
        TokenStore store = new TokenStore(file);
        assertThat(store.authenticate(secret))
                .get()
                .extracting(t -> t.roles())
                .isEqualTo(List.of("submitter", "reviewer"));
        assertThat(Files.readString(file)).doesNotContain(secret);

        assertThat(run("list")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("ada", "submitter,reviewer")
                .doesNotContain(secret);

        assertThat(run("revoke", "ada")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("revoked token");
        assertThat(store.authenticate(secret)).isEmpty();
        assertThat(run("revoke", "ada")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no valid token has the id or name 'ada'");
    }

    @Test
    void mistakesAreNamed() {
        assertThat(run("create", "ada", "--role", "root")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown role 'root'");
        assertThat(run("create", "ada")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("at least one role");
        assertThat(run("create", "ada", "--role")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--role needs a value");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown action frobnicate");
    }
}
