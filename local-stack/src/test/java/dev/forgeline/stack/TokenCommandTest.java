package dev.forgeline.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.forgeline.support.auth.ApiToken;
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

    @Test
    void aTokenWithAnExpiryIsListedWithItAndAnExpiredOneIsMarked() throws Exception {
        Instant before = Instant.now();
        assertThat(run("create", "temp", "--role", "submitter", "--expires", "30d"))
                .isZero();
        String secret =
                out.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("expires at ");
        Path file = home.resolve(".forgeline/stack/tokens");
        ApiToken made = new TokenStore(file).authenticate(secret).orElseThrow();
        assertThat(Instant.parse(made.expiresAt()))
                .isBetween(before.plus(Duration.ofDays(30)), Instant.now().plus(Duration.ofDays(30)));

        assertThat(run("create", "dated", "--role", "reviewer", "--expires", "2999-01-31"))
                .isZero();
        // a line whose expiry has passed (the store refuses to make one), and an old line without expiry
        Files.writeString(
                file,
                "{\"id\":\"e1\",\"name\":\"gone\",\"hash\":\"" + "b".repeat(64)
                        + "\",\"roles\":[\"admin\"],\"expiresAt\":\"2020-01-01T00:00:00Z\"}\n"
                        + "{\"id\":\"o1\",\"name\":\"old\",\"hash\":\"" + "c".repeat(64)
                        + "\",\"roles\":[\"admin\"]}\n",
                StandardOpenOption.APPEND);

        assertThat(run("list")).isZero();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.get(0)).contains("EXPIRES");
        assertThat(lines)
                .filteredOn(l -> l.contains("dated"))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("2999-01-31T00:00:00Z").doesNotContain("(expired)"));
        assertThat(lines)
                .filteredOn(l -> l.contains("gone"))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("2020-01-01T00:00:00Z (expired)"));
        assertThat(lines)
                .filteredOn(l -> l.contains("temp"))
                .singleElement()
                .satisfies(l -> assertThat(l).doesNotContain("(expired)"));
        assertThat(lines)
                .filteredOn(l -> l.contains(" old "))
                .singleElement()
                .satisfies(l -> assertThat(l).doesNotContain("(expired)"));
    }

    @Test
    void anExpiryThatIsNoDurationOrDateOrIsPastIsRefused() {
        assertThat(run("create", "ada", "--role", "submitter", "--expires", "soon"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--expires 'soon'");
        assertThat(run("create", "ada", "--role", "submitter", "--expires", "2020-01-01"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not in the future");
        assertThat(run("create", "ada", "--role", "submitter", "--expires")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--expires needs a value");
        assertThat(new TokenStore(home.resolve(".forgeline/stack/tokens")).list())
                .isEmpty();
    }

    @Test
    void expiriesAreDurationsFromNowDatesOrInstants() {
        Instant now = Instant.parse("2026-12-04T10:00:00Z");
        assertThat(TokenCommand.expiry("30d", now)).isEqualTo(Instant.parse("2027-01-03T10:00:00Z"));
        assertThat(TokenCommand.expiry("12h", now)).isEqualTo(Instant.parse("2026-12-04T22:00:00Z"));
        assertThat(TokenCommand.expiry("45m", now)).isEqualTo(Instant.parse("2026-12-04T10:45:00Z"));
        assertThat(TokenCommand.expiry("P2DT1H", now)).isEqualTo(Instant.parse("2026-12-06T11:00:00Z"));
        assertThat(TokenCommand.expiry("2027-01-31", now)).isEqualTo(Instant.parse("2027-01-31T00:00:00Z"));
        assertThat(TokenCommand.expiry("2027-01-31T12:00:00+01:00", now))
                .isEqualTo(Instant.parse("2027-01-31T11:00:00Z"));
    }
}
