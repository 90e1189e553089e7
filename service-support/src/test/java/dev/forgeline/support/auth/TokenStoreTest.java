package dev.forgeline.support.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
    @TempDir
    Path dir;

    @Test
    void aCreatedTokenAuthenticatesAndOnlyItsHashIsStored() throws Exception {
        Path file = dir.resolve("tokens");
        TokenStore store = new TokenStore(file);

        TokenStore.Created created = store.create("ada", List.of(Roles.SUBMITTER), List.of(), null);

        assertThat(created.secret()).startsWith("fl_").hasSize(3 + 43);
        assertThat(created.secret().substring(3)).matches("[A-Za-z0-9_-]{43}");
        String text = Files.readString(file);
        assertThat(text).doesNotContain(created.secret()).contains(TokenStore.hash(created.secret()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(store.authenticate(created.secret())).get().satisfies(t -> {
            assertThat(t.name()).isEqualTo("ada");
            assertThat(t.roles()).containsExactly(Roles.SUBMITTER);
            assertThat(t.projects()).containsExactly(Roles.ALL_PROJECTS);
        });
        assertThat(store.authenticate(TokenStore.newSecret())).isEmpty();
        assertThat(store.authenticate("not-a-token")).isEmpty();
    }

    @Test
    void anotherReaderSeesARevocationWithoutRestarting() {
        Path file = dir.resolve("tokens");
        TokenStore admin = new TokenStore(file);
        TokenStore service = new TokenStore(file);
        TokenStore.Created worker = admin.create("node-7", List.of(Roles.WORKER), List.of(), null);
        TokenStore.Created other = admin.create("bob", List.of(Roles.REVIEWER), List.of("web"), null);
        assertThat(service.authenticate(worker.secret())).isPresent();

        List<ApiToken> revoked = admin.revoke(worker.token().id());

        assertThat(revoked).extracting(ApiToken::name).containsExactly("node-7");
        assertThat(service.authenticate(worker.secret())).isEmpty();
        assertThat(service.authenticate(other.secret()))
                .get()
                .extracting(ApiToken::projects)
                .isEqualTo(List.of("web"));
        assertThat(service.list()).extracting(ApiToken::isRevoked).containsExactly(true, false);
        // by name, and nothing left to revoke the second time
        assertThat(admin.revoke("bob")).hasSize(1);
        assertThat(admin.revoke("bob")).isEmpty();
        assertThat(service.authenticate(other.secret())).isEmpty();
    }

    @Test
    void aWorkerTokenSpeaksForItsNodeAttributeOrElseItsName() {
        TokenStore store = new TokenStore(dir.resolve("tokens"));
        assertThat(store.create("w1", List.of(Roles.WORKER), List.of(), null)
                        .token()
                        .nodeName())
                .isEqualTo("w1");
        assertThat(store.create("w2", List.of(Roles.WORKER), List.of(), "gpu-1")
                        .token()
                        .nodeName())
                .isEqualTo("gpu-1");
    }

    @Test
    void badInputIsRefusedNamingWhatIsWrong() throws Exception {
        TokenStore store = new TokenStore(dir.resolve("tokens"));
        assertThatThrownBy(() -> store.create("ada", List.of("root"), List.of(), null))
                .hasMessageContaining("unknown role 'root'");
        assertThatThrownBy(() -> store.create("ada", List.of(), List.of(), null))
                .hasMessageContaining("at least one role");
        assertThatThrownBy(() -> store.create("a b", List.of(Roles.ADMIN), List.of(), null))
                .hasMessageContaining("'a b'");

        Path broken = dir.resolve("broken");
        Files.writeString(
                broken, "# comment\n\n{\"id\":\"1\",\"name\":\"x\",\"hash\":\"" + "a".repeat(64) + "\"}\nnot json\n");
        assertThatThrownBy(() -> new TokenStore(broken).list()).hasMessageContaining("line 4");
    }

    @Test
    void aTokenIsRefusedFromItsExpiryOnAndLinesWithoutOneNeverExpire() throws Exception {
        Path file = dir.resolve("tokens");
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        TokenStore store = new TokenStore(file, clock);
        TokenStore.Created dated =
                store.create("temp", List.of(Roles.SUBMITTER), List.of(), null, Instant.parse("2026-12-31T00:00:00Z"));
        // a line as written before expiry existed: no expiresAt at all
        String hash = TokenStore.hash("fl_old");
        Files.writeString(
                file,
                "{\"id\":\"0\",\"name\":\"old\",\"hash\":\"" + hash + "\",\"roles\":[\"admin\"]}\n",
                StandardOpenOption.APPEND);

        assertThat(Files.readString(file)).contains("\"expiresAt\":\"2026-12-31T00:00:00Z\"");
        assertThat(store.check(dated.secret()).status()).isEqualTo(TokenStore.Status.VALID);
        assertThat(store.authenticate("fl_old"))
                .get()
                .extracting(ApiToken::expiresAt)
                .isNull();

        clock.now = Instant.parse("2026-12-31T00:00:00Z");

        TokenStore.Check expired = store.check(dated.secret());
        assertThat(expired.status()).isEqualTo(TokenStore.Status.EXPIRED);
        assertThat(expired.token().name()).isEqualTo("temp");
        assertThat(store.authenticate(dated.secret())).isEmpty();
        assertThat(store.authenticate("fl_old")).isPresent();
        // a revoked token is unknown, expired or not: a caller learns nothing more from it
        store.revoke("temp");
        assertThat(store.check(dated.secret()).status()).isEqualTo(TokenStore.Status.UNKNOWN);
        assertThatThrownBy(() -> store.create(
                        "late", List.of(Roles.SUBMITTER), List.of(), null, Instant.parse("2026-12-30T00:00:00Z")))
                .hasMessageContaining("not in the future");
    }

    @Test
    void anExpiryThatIsNoInstantFailsTheLoadNamingTheLine() throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(
                file, "{\"id\":\"1\",\"name\":\"x\",\"hash\":\"" + "a".repeat(64) + "\",\"expiresAt\":\"soon\"}\n");
        assertThatThrownBy(() -> new TokenStore(file).list())
                .hasMessageContaining("line 1")
                .hasMessageContaining("expiresAt 'soon'");
    }

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
