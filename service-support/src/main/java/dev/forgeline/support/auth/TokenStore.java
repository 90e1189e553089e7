package dev.forgeline.support.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The token store: a file with one JSON object per line, one line per {@link ApiToken}. It holds only SHA-256
 * hashes, so reading it does not give a token away; every service reads the same file and reloads it when its
 * modification time or size changes, so a revocation takes effect at the next request, without a restart.
 * Blank lines and lines starting with {@code #} are skipped; a line that does not parse fails the load, naming
 * the line (a half-read store must not silently drop a revocation).
 */
public final class TokenStore {
    /** Every token starts with this, so that scanners and people recognise one. */
    public static final String PREFIX = "fl_";

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final Clock clock;
    private Loaded loaded = new Loaded(null, -1, List.of(), Map.of());

    /** A token just made: the only time its plain text exists outside its holder. */
    public record Created(ApiToken token, String secret) {}

    private record Loaded(FileTime modified, long size, List<ApiToken> tokens, Map<String, ApiToken> byHash) {}

    public TokenStore(Path file) {
        this(file, Clock.systemUTC());
    }

    TokenStore(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** SHA-256 of the token's text, lower-case hex: what the store keeps. */
    public static String hash(String secret) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A new token text: {@code fl_} and 32 random bytes, base64url without padding. */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The valid (neither revoked nor expired) token with this text, reloading the file first if it changed. */
    public Optional<ApiToken> authenticate(String secret) {
        Check check = check(secret);
        return check.status() == Status.VALID ? Optional.of(check.token()) : Optional.empty();
    }

    /** What a presented token is: valid, expired (the token is then given), or unknown or revoked. */
    public Check check(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return new Check(Status.UNKNOWN, null);
        }
        ApiToken token = current().byHash().get(hash(secret));
        if (token == null || token.isRevoked()) {
            return new Check(Status.UNKNOWN, null);
        }
        return token.isExpiredAt(clock.instant()) ? new Check(Status.EXPIRED, token) : new Check(Status.VALID, token);
    }

    /** The answer to a presented token: {@code token} is null for an unknown or revoked one. */
    public record Check(Status status, ApiToken token) {}

    public enum Status {
        VALID,
        EXPIRED,
        /** Unknown or revoked: not told apart, so that a revoked token tells a caller nothing more. */
        UNKNOWN
    }

    /** Every token in the store, revoked ones included, in the order they were made. */
    public List<ApiToken> list() {
        return current().tokens();
    }

    /**
     * Makes a token and appends it to the store (creating the file, readable by its owner only).
     *
     * @throws IllegalArgumentException for an unknown role, no role, or a blank name
     */
    public Created create(String name, List<String> roles, List<String> projects, String node) {
        return create(name, roles, projects, node, null);
    }

    /**
     * Makes a token that is refused from {@code expiresAt} on (null: it does not expire) and appends it to the store.
     *
     * @throws IllegalArgumentException for an unknown role, no role, a blank name or an expiry not in the future
     */
    public synchronized Created create(
            String name, List<String> roles, List<String> projects, String node, Instant expiresAt) {
        if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9._@-]+")) {
            throw new IllegalArgumentException(
                    "token name '" + name + "' must be letters, digits, '.', '_', '@' or '-' only");
        }
        if (roles == null || roles.isEmpty()) {
            throw new IllegalArgumentException("a token needs at least one role, one of " + Roles.ALL);
        }
        for (String role : roles) {
            if (!Roles.ALL.contains(role)) {
                throw new IllegalArgumentException("unknown role '" + role + "': roles are " + Roles.ALL);
            }
        }
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("the expiry " + expiresAt + " is not in the future (now " + now + ")");
        }
        String secret = newSecret();
        String id = HexFormat.of().formatHex(randomBytes(6));
        ApiToken token = new ApiToken(
                id,
                name,
                hash(secret),
                roles,
                projects == null || projects.isEmpty() ? List.of(Roles.ALL_PROJECTS) : projects,
                node,
                now.toString(),
                null,
                expiresAt == null ? null : expiresAt.toString());
        List<ApiToken> tokens = new ArrayList<>(reload().tokens());
        tokens.add(token);
        write(tokens);
        return new Created(token, secret);
    }

    /**
     * Revokes every valid token whose id (or, failing that, name) is {@code idOrName}.
     *
     * @return the tokens revoked now; empty when none matched
     */
    public synchronized List<ApiToken> revoke(String idOrName) {
        List<ApiToken> tokens = new ArrayList<>(reload().tokens());
        boolean byId = tokens.stream().anyMatch(t -> t.id().equals(idOrName));
        List<ApiToken> revoked = new ArrayList<>();
        String now = clock.instant().toString();
        for (int i = 0; i < tokens.size(); i++) {
            ApiToken t = tokens.get(i);
            boolean matches = byId ? t.id().equals(idOrName) : t.name().equals(idOrName);
            if (matches && !t.isRevoked()) {
                tokens.set(i, t.revokedAt(now));
                revoked.add(tokens.get(i));
            }
        }
        if (!revoked.isEmpty()) {
            write(tokens);
        }
        return revoked;
    }

    private synchronized Loaded current() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (modified.equals(loaded.modified()) && size == loaded.size()) {
                return loaded;
            }
        } catch (NoSuchFileException e) {
            loaded = new Loaded(null, -1, List.of(), Map.of());
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token store " + file, e);
        }
        return reload();
    }

    private synchronized Loaded reload() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<ApiToken> tokens = parse(lines, file.toString());
            Map<String, ApiToken> byHash = new HashMap<>();
            for (ApiToken t : tokens) {
                byHash.put(t.hash(), t);
            }
            loaded = new Loaded(modified, Files.size(file), List.copyOf(tokens), Map.copyOf(byHash));
            return loaded;
        } catch (NoSuchFileException e) {
            loaded = new Loaded(null, -1, List.of(), Map.of());
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token store " + file, e);
        }
    }

    /** The tokens in the lines of a store; {@code where} names the store in errors. */
    public static List<ApiToken> parse(List<String> lines, String where) {
        List<ApiToken> tokens = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            ApiToken token;
            try {
                token = JSON.readValue(line, ApiToken.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(
                        where + " line " + (i + 1) + ": not a token entry (" + e.getOriginalMessage() + ")");
            }
            if (token.id() == null
                    || token.name() == null
                    || token.hash() == null
                    || !token.hash().matches("[0-9a-f]{64}")) {
                throw new IllegalStateException(where + " line " + (i + 1)
                        + ": a token entry needs id, name and hash (64 lower-case hex digits)");
            }
            if (token.expiresAt() != null) {
                try {
                    Instant.parse(token.expiresAt());
                } catch (DateTimeParseException e) {
                    throw new IllegalStateException(where + " line " + (i + 1) + ": expiresAt '" + token.expiresAt()
                            + "' is not an ISO-8601 instant (like 2027-01-31T00:00:00Z)");
                }
            }
            tokens.add(token);
        }
        return tokens;
    }

    private void write(List<ApiToken> tokens) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".tokens", ".tmp");
            try {
                restrict(temp);
                StringBuilder text = new StringBuilder(
                        "# Forgeline API tokens: SHA-256 hashes only; manage with the token command\n");
                for (ApiToken t : tokens) {
                    text.append(JSON.writeValueAsString(t)).append('\n');
                }
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
            reload();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the token store " + file, e);
        }
    }

    /** Owner read/write only, where the file system knows POSIX permissions. */
    public static void restrict(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's access rules apply
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
