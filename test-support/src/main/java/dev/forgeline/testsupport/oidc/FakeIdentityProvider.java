package dev.forgeline.testsupport.oidc;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A fake OpenID Connect identity provider on 127.0.0.1, shaped as one Keycloak realm: every endpoint lives under
 * {@code /realms/{realm}}, as Keycloak serves it. It covers discovery ({@code
 * /.well-known/openid-configuration}), the JWKS ({@code /protocol/openid-connect/certs}), the token endpoint
 * ({@code /protocol/openid-connect/token}) with the {@code client_credentials}, {@code password}, {@code
 * authorization_code} and {@code refresh_token} grants and client authentication by HTTP Basic ({@code
 * client_secret_basic}) or form fields ({@code client_secret_post}), userinfo ({@code
 * /protocol/openid-connect/userinfo}) and token introspection (RFC 7662, {@code
 * /protocol/openid-connect/token/introspect}).
 *
 * <p>The browser sign-in of the authorization code flow (RFC 6749 section 4.1, OpenID Connect Core 3.1, PKCE of RFC
 * 7636 with {@code S256} or {@code plain}) is there too, so a web application (quarkus-oidc's {@code web-app}) can
 * sign a person in: the authorization endpoint ({@code /protocol/openid-connect/auth}) answers a Keycloak-like login
 * page whose form posts {@code username} and {@code password} to {@code /login-actions/authenticate}; a successful
 * login sets the SSO session cookie {@code KEYCLOAK_SESSION} (path {@code /realms/{realm}}), with which later
 * authorization requests skip the form, and redirects to the client with a single-use code valid 60 seconds. The
 * end-session endpoint ({@code /protocol/openid-connect/logout}) ends that session (RP-initiated logout).
 *
 * <p>Access tokens are JWS compact serialisations signed RS256 with an RSA 2048 key whose {@code kid} is its RFC 7638
 * thumbprint, published in the JWKS; {@link #rotateKey} replaces the signing key, and {@link #token} mints tokens
 * directly, including bad ones (expired, another issuer or audience, signed by a key the JWKS never publishes, or
 * unsigned) for the negative paths of a service's verification. Userinfo and introspection accept only tokens this
 * provider signed with a key it still publishes, from its issuer, not expired. Errors of the token endpoint are those
 * of RFC 6749 section 5.2 ({@code invalid_request}, {@code invalid_client} with 401, {@code invalid_grant}, {@code
 * unsupported_grant_type}, {@code unauthorized_client}); other paths answer 404 {@code {"error":"not_found"}}.
 * Faults (any status, 429 with {@code Retry-After}, slow answers) are injected on demand for the next requests to any
 * endpoint, and every request is recorded.
 */
public final class FakeIdentityProvider implements AutoCloseable {
    private static final String DEFAULT_CLIENT = "forgeline";
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
    private static final int GRANTED_LIFETIME_SECONDS = 300;
    private static final Pattern REALM = Pattern.compile("[A-Za-z0-9._-]+");
    private static final String OIDC = "/protocol/openid-connect";
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();
    private static final TypeReference<LinkedHashMap<String, Object>> JSON_OBJECT = new TypeReference<>() {};
    /** Claims of the token itself rather than of the user: userinfo leaves them out. */
    private static final Set<String> TOKEN_CLAIMS =
            Set.of("iss", "aud", "exp", "iat", "nbf", "jti", "typ", "azp", "scope", "auth_time", "sid");
    /** Claims of an ID token that say what it is for: a user's claims do not replace them there. */
    private static final Set<String> ID_TOKEN_CLAIMS =
            Set.of("iss", "sub", "aud", "exp", "iat", "auth_time", "jti", "typ", "azp", "nonce", "sid", "at_hash");
    /** The cookie of the SSO session, as Keycloak names it. */
    static final String SESSION_COOKIE = "KEYCLOAK_SESSION";
    /** Keycloak's message on the login page after wrong credentials. */
    static final String INVALID_CREDENTIALS = "Invalid username or password.";

    private static final Duration CODE_LIFETIME = Duration.ofSeconds(60);
    private static final Duration LOGIN_TIMEOUT = Duration.ofMinutes(30);
    private static final int REFRESH_LIFETIME_SECONDS = 1800;
    /** A PKCE code verifier or {@code plain} challenge: 43 to 128 unreserved characters (RFC 7636 4.1). */
    private static final Pattern PKCE = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

    private static final Map<String, String> NO_CACHE =
            Map.of("Cache-Control", "no-store, must-revalidate, max-age=0", "Pragma", "no-cache");

    /** One request as the server saw it: method, path with query, status answered. */
    public record Request(String method, String path, int status) {}

    /** A signing key: its {@code kid} and RSA key pair. */
    private record SigningKey(String kid, KeyPair pair) {
        RSAPublicKey publicKey() {
            return (RSAPublicKey) pair.getPublic();
        }
    }

    /** The key that signs now, and every key the JWKS publishes (by {@code kid}, oldest first). */
    private record Keys(SigningKey current, Map<String, RSAPublicKey> published) {}

    private record Client(String id, String secret, Map<String, Object> claims) {}

    private record User(String username, String password, String id, Map<String, Object> claims) {}

    /** An authorization request waiting at the login page, under its {@code session_code}. */
    private record Pending(
            String clientId,
            String redirectUri,
            String scope,
            String state,
            String nonce,
            String challenge,
            String challengeMethod,
            Instant expiresAt) {}

    /** An SSO session, named by the value of the {@code KEYCLOAK_SESSION} cookie. */
    private record SsoSession(String id, String username, Instant authTime) {}

    /** An authorization code not yet exchanged. */
    private record Code(
            String clientId,
            String redirectUri,
            String sessionId,
            String scope,
            String nonce,
            String challenge,
            String challengeMethod,
            Instant expiresAt) {}

    /** What an (opaque) refresh token stands for. */
    private record Refresh(String clientId, String sessionId, String scope, String nonce, Instant expiresAt) {}

    private final String realm;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> redirects = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, SsoSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Refresh> refreshTokens = new ConcurrentHashMap<>();
    private final AtomicInteger signIns = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    /** The clock of the lifetimes of codes, login pages and refresh tokens; tests move it. */
    private volatile Clock clock = Clock.systemUTC();

    private volatile Keys keys;
    private volatile KeyPair foreignKey;

    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 500;
    private final AtomicInteger rateLimitedLeft = new AtomicInteger();
    private volatile int retryAfterSeconds = 1;
    private final AtomicInteger delaysLeft = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;

    private FakeIdentityProvider(String realm) throws IOException {
        this.realm = realm;
        SigningKey first = newSigningKey();
        this.keys = new Keys(first, Map.of(first.kid(), first.publicKey()));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "fake-identity-provider");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A provider of realm {@code realm} (e.g. {@code forgeline}) on a free port of 127.0.0.1, with one signing key. */
    public static FakeIdentityProvider start(String realm) {
        if (realm == null || !REALM.matcher(realm).matches()) {
            throw new IllegalArgumentException("a realm name is letters, digits, '.', '_' or '-', not " + realm);
        }
        try {
            return new FakeIdentityProvider(realm);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The issuer, e.g. {@code http://127.0.0.1:41234/realms/forgeline} (no trailing slash): the {@code iss} of its
     * tokens and the base of the discovery document {@code issuer() + "/.well-known/openid-configuration"}.
     */
    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/" + realm;
    }

    /** The token endpoint, {@code issuer() + "/protocol/openid-connect/token"}. */
    public String tokenEndpoint() {
        return issuer() + OIDC + "/token";
    }

    /** A signed access token for {@code subject}, as this provider would issue it; see {@link TokenBuilder}. */
    public TokenBuilder token(String subject) {
        return new TokenBuilder(Objects.requireNonNull(subject, "subject"));
    }

    /**
     * A confidential client that authenticates with {@code clientSecret} and may use the {@code client_credentials}
     * grant, whose tokens are for subject {@code service-account-<clientId>}. A {@code null} secret makes it a public
     * client: it names itself by {@code client_id} alone and may only use the {@code password} grant. {@code claims}
     * are added to every token issued to it (after the standard claims, so they may replace them, e.g. {@code aud}).
     * Adding a client id again replaces it.
     */
    public FakeIdentityProvider addClient(String clientId, String clientSecret, Map<String, Object> claims) {
        Objects.requireNonNull(clientId, "clientId");
        clients.put(clientId, new Client(clientId, clientSecret, copy(claims)));
        return this;
    }

    /**
     * A user for the {@code password} grant. Its tokens carry subject {@code UUID.nameUUIDFromBytes(realm + "/" +
     * username)} (stable for the username, as a Keycloak user id is), {@code preferred_username} {@code username}, and
     * {@code claims} (after the standard claims, so {@code groups} goes there). Adding a username again replaces it.
     */
    public FakeIdentityProvider addUser(String username, String password, Map<String, Object> claims) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        String id = UUID.nameUUIDFromBytes((realm + "/" + username).getBytes(StandardCharsets.UTF_8))
                .toString();
        users.put(username, new User(username, password, id, copy(claims)));
        return this;
    }

    /**
     * Lets client {@code clientId} name, as {@code redirect_uri} of an authorization request or {@code
     * post_logout_redirect_uri} of a logout, any absolute URI starting with {@code redirectUriPrefix} (e.g. {@code
     * http://localhost:8081/}). A client with no prefix registered allows any redirect URI, as Keycloak's {@code *}
     * does; once one is registered, only those registered. Prefixes are kept per client id, also when the client is
     * added again, and may be registered before the client.
     */
    public FakeIdentityProvider allowRedirect(String clientId, String redirectUriPrefix) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(redirectUriPrefix, "redirectUriPrefix");
        redirects.computeIfAbsent(clientId, id -> new CopyOnWriteArrayList<>()).add(redirectUriPrefix);
        return this;
    }

    /** How many logins succeeded so far: posts of the login form with right credentials (not SSO redirects). */
    public int signIns() {
        return signIns.get();
    }

    /** The clock of the lifetimes of codes (60 s), login pages (30 min) and refresh tokens (1800 s); for tests. */
    void clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A new RSA key with a new {@code kid} signs from now on and joins the JWKS. With {@code keepOld} the keys
     * published so far stay in the JWKS (tokens they signed stay valid), as during a Keycloak key rotation; without,
     * the JWKS holds the new key only and tokens signed before are refused.
     */
    public synchronized void rotateKey(boolean keepOld) {
        SigningKey next = newSigningKey();
        Map<String, RSAPublicKey> published = new LinkedHashMap<>();
        if (keepOld) {
            published.putAll(keys.published());
        }
        published.put(next.kid(), next.publicKey());
        keys = new Keys(next, Collections.unmodifiableMap(published));
    }

    // ---- faults ----------------------------------------------------------------------------------------------

    /**
     * The next {@code count} requests, to any endpoint, answer {@code status} with an OAuth-style JSON error body
     * ({@code server_error}, {@code temporarily_unavailable} for 503).
     */
    public void failNext(int count, int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("a failure answers 4xx or 5xx, not " + status);
        }
        failureStatus = status;
        failuresLeft.set(count);
    }

    /** The next {@code count} requests, to any endpoint, answer 429 with {@code Retry-After: retryAfterSeconds}. */
    public void rateLimitNext(int count, int retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
        rateLimitedLeft.set(count);
    }

    /** The next {@code count} requests, to any endpoint, are answered only after {@code delay}. */
    public void delayNext(int count, Duration delay) {
        this.delay = Objects.requireNonNull(delay, "delay");
        delaysLeft.set(count);
    }

    /** Every request so far, in order. */
    public List<Request> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    /**
     * An access token being minted: JWS compact, RS256, header {@code {alg, typ: "JWT", kid}}, claims {@code iss},
     * {@code sub}, {@code aud}, {@code exp}, {@code iat}, {@code jti}, {@code typ: "Bearer"}, {@code azp}, {@code
     * preferred_username}, {@code groups} (when set) and the extra claims, which come last and may replace any of
     * them.
     */
    public final class TokenBuilder {
        private final String subject;
        private String username;
        private List<String> groups;
        private List<String> audience = List.of(DEFAULT_CLIENT);
        private String issuer;
        private Duration expiresIn = DEFAULT_LIFETIME;
        private final Map<String, Object> claims = new LinkedHashMap<>();
        private boolean anotherKey;
        private boolean unsigned;

        private TokenBuilder(String subject) {
            this.subject = subject;
        }

        /** Claim {@code preferred_username} (default: the subject). */
        public TokenBuilder username(String preferredUsername) {
            this.username = preferredUsername;
            return this;
        }

        /** Claim {@code groups}, a JSON array. */
        public TokenBuilder groups(String... groups) {
            this.groups = List.of(groups);
            return this;
        }

        /** Any claim: a String, Number, Boolean or List of Strings (anything Jackson writes). */
        public TokenBuilder claim(String name, Object value) {
            claims.put(
                    Objects.requireNonNull(name, "name"),
                    value instanceof List<?> list ? Collections.unmodifiableList(new ArrayList<>(list)) : value);
            return this;
        }

        /** Claim {@code aud} (default {@code "forgeline"}): a string for one audience, an array for several. */
        public TokenBuilder audience(String... audience) {
            if (audience.length == 0) {
                throw new IllegalArgumentException("a token has at least one audience");
            }
            this.audience = List.of(audience);
            return this;
        }

        /** Claim {@code iss} (default: {@link #issuer()} of the provider). */
        public TokenBuilder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** {@code exp} is now plus {@code d} (default 5 minutes); a negative {@code d} makes it expired already. */
        public TokenBuilder expiresIn(Duration d) {
            this.expiresIn = Objects.requireNonNull(d, "d");
            return this;
        }

        /** Signed with a key the JWKS never publishes, under the {@code kid} of the current signing key. */
        public TokenBuilder signedByAnotherKey() {
            this.anotherKey = true;
            this.unsigned = false;
            return this;
        }

        /** Header {@code alg: "none"}, no {@code kid}, and an empty signature part. */
        public TokenBuilder unsigned() {
            this.unsigned = true;
            this.anotherKey = false;
            return this;
        }

        /** The token, compact serialisation {@code header.payload.signature}. */
        public String build() {
            long now = Instant.now().getEpochSecond();
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("iss", issuer != null ? issuer : FakeIdentityProvider.this.issuer());
            payload.put("sub", subject);
            payload.put("aud", audience.size() == 1 ? audience.get(0) : audience);
            payload.put("exp", now + expiresIn.toSeconds());
            payload.put("iat", now);
            payload.put("jti", UUID.randomUUID().toString());
            payload.put("typ", "Bearer");
            payload.put("azp", DEFAULT_CLIENT);
            payload.put("preferred_username", username != null ? username : subject);
            if (groups != null) {
                payload.put("groups", groups);
            }
            payload.putAll(claims);
            SigningKey current = keys.current();
            Map<String, Object> header = new LinkedHashMap<>();
            if (unsigned) {
                header.put("alg", "none");
                header.put("typ", "JWT");
                return sign(header, payload, null);
            }
            header.put("alg", "RS256");
            header.put("typ", "JWT");
            header.put("kid", current.kid());
            return sign(
                    header,
                    payload,
                    anotherKey ? foreignKey().getPrivate() : current.pair().getPrivate());
        }
    }

    private String sign(Map<String, Object> header, Map<String, Object> payload, PrivateKey key) {
        String input = B64URL.encodeToString(bytes(header)) + "." + B64URL.encodeToString(bytes(payload));
        if (key == null) {
            return input + ".";
        }
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64URL.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with SHA256withRSA", e);
        }
    }

    /** The claims of {@code token} if this provider signed it with a key it publishes, for itself, and it is valid. */
    private Map<String, Object> verify(String token) {
        return verify(token, true);
    }

    /** As {@link #verify(String)}, expired tokens too unless {@code active} (an {@code id_token_hint} may be). */
    private Map<String, Object> verify(String token, boolean active) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidToken("Malformed token");
        }
        try {
            Map<String, Object> header = json.readValue(B64URL_DECODER.decode(parts[0]), JSON_OBJECT);
            if (!"RS256".equals(header.get("alg"))) {
                throw new InvalidToken("Unsupported algorithm " + header.get("alg"));
            }
            RSAPublicKey key = keys.published().get(String.valueOf(header.get("kid")));
            if (key == null) {
                throw new InvalidToken("Unknown key " + header.get("kid"));
            }
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!signature.verify(B64URL_DECODER.decode(parts[2]))) {
                throw new InvalidToken("Invalid token signature");
            }
            Map<String, Object> claims = json.readValue(B64URL_DECODER.decode(parts[1]), JSON_OBJECT);
            if (!issuer().equals(claims.get("iss"))) {
                throw new InvalidToken("Invalid token issuer. Expected '" + issuer() + "'");
            }
            long now = Instant.now().getEpochSecond();
            if (!active) {
                return claims;
            }
            if (!(claims.get("exp") instanceof Number exp) || exp.longValue() <= now) {
                throw new InvalidToken("Token is not active");
            }
            if (claims.get("nbf") instanceof Number nbf && nbf.longValue() > now) {
                throw new InvalidToken("Token is not active");
            }
            return claims;
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            throw new InvalidToken("Malformed token");
        }
    }

    private static final class InvalidToken extends RuntimeException {
        InvalidToken(String message) {
            super(message, null, false, false);
        }
    }

    // ---- keys ------------------------------------------------------------------------------------------------

    private static SigningKey newSigningKey() {
        KeyPair pair = rsaKeyPair();
        return new SigningKey(thumbprint((RSAPublicKey) pair.getPublic()), pair);
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an RSA key", e);
        }
    }

    private KeyPair foreignKey() {
        KeyPair key = foreignKey;
        if (key == null) {
            synchronized (this) {
                if (foreignKey == null) {
                    foreignKey = rsaKeyPair();
                }
                key = foreignKey;
            }
        }
        return key;
    }

    /** The RFC 7638 JWK thumbprint: SHA-256 of the required members in lexicographic order, base64url. */
    private static String thumbprint(RSAPublicKey key) {
        String members = "{\"e\":\"" + base64Url(key.getPublicExponent()) + "\",\"kty\":\"RSA\",\"n\":\""
                + base64Url(key.getModulus()) + "\"}";
        try {
            return B64URL.encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(members.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot hash with SHA-256", e);
        }
    }

    /** Base64url of the unsigned big-endian magnitude (no leading zero byte), as JWK {@code n} and {@code e} are. */
    private static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return B64URL.encodeToString(bytes);
    }

    // ---- serving ---------------------------------------------------------------------------------------------

    /** An answer: status, JSON body ({@link Html} for a page, null for none), extra headers. */
    private record Answer(int status, Object body, Map<String, String> headers) {
        Answer(int status, Object body) {
            this(status, body, Map.of());
        }
    }

    /** An HTML page, the body of an answer to a browser. */
    private record Html(String text) {}

    private static final class Problem extends RuntimeException {
        final transient Answer answer;

        Problem(Answer answer) {
            super(String.valueOf(answer.body), null, false, false);
            this.answer = answer;
        }
    }

    /** An RFC 6749 section 5.2 error. */
    private static Problem oauth(int status, String error, String description) {
        return oauth(status, error, description, Map.of());
    }

    private static Problem oauth(int status, String error, String description, Map<String, String> headers) {
        return new Problem(new Answer(status, error(error, description), headers));
    }

    private static Map<String, Object> error(String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        return body;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String query = exchange.getRequestURI().getRawQuery();
        String line = exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query);
        Answer answer;
        try (exchange) {
            if (delaysLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                try {
                    Thread.sleep(delay.toMillis()); // the injected slowness itself, not a wait for something
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                answer = answer(exchange);
            } catch (Problem problem) {
                answer = problem.answer;
            } catch (RuntimeException e) {
                answer = new Answer(500, error("server_error", "Server error: " + e.getMessage()));
            }
            // recorded before the answer leaves, so a client that has its answer also sees the record
            requests.add(new Request(method, line, answer.status));
            send(exchange, answer);
        }
    }

    private Answer answer(HttpExchange exchange) {
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            int status = failureStatus;
            String error = status == 503 ? "temporarily_unavailable" : "server_error";
            return new Answer(status, error(error, "Injected failure: HTTP " + status));
        }
        if (rateLimitedLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            int seconds = retryAfterSeconds;
            return new Answer(
                    429,
                    error("too_many_requests", "Too many requests, retry after " + seconds + " seconds"),
                    Map.of("Retry-After", String.valueOf(seconds)));
        }
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String base = "/realms/" + realm;
        if (!path.startsWith(base + "/")) {
            return notFound();
        }
        return switch (path.substring(base.length())) {
            case "/.well-known/openid-configuration" -> allow(method, Set.of("GET"), this::discovery);
            case OIDC + "/certs" -> allow(method, Set.of("GET"), this::jwks);
            case OIDC + "/token" -> allow(method, Set.of("POST"), () -> token(exchange));
            case OIDC + "/token/introspect" -> allow(method, Set.of("POST"), () -> introspect(exchange));
            case OIDC + "/userinfo" -> allow(method, Set.of("GET", "POST"), () -> userinfo(exchange));
            case OIDC + "/auth" -> allow(method, Set.of("GET", "POST"), () -> authorize(exchange));
            case "/login-actions/authenticate" -> allow(method, Set.of("POST"), () -> logIn(exchange));
            case OIDC + "/logout" -> allow(method, Set.of("GET", "POST"), () -> logout(exchange));
            default -> notFound();
        };
    }

    private static Answer notFound() {
        return new Answer(404, Map.of("error", "not_found"));
    }

    private static Answer allow(String method, Set<String> methods, Supplier<Answer> route) {
        if (!methods.contains(method)) {
            return new Answer(
                    405,
                    error("method_not_allowed", "Method " + method + " is not allowed here"),
                    Map.of("Allow", String.join(", ", methods.stream().sorted().toList())));
        }
        return route.get();
    }

    private void send(HttpExchange exchange, Answer answer) throws IOException {
        var headers = exchange.getResponseHeaders();
        answer.headers.forEach(headers::set);
        if (answer.body == null) {
            exchange.sendResponseHeaders(answer.status, -1);
            return;
        }
        byte[] bytes;
        if (answer.body instanceof Html html) {
            bytes = html.text().getBytes(StandardCharsets.UTF_8);
            headers.set("Content-Type", "text/html; charset=utf-8");
        } else {
            bytes = json.writeValueAsBytes(answer.body);
            headers.set("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(answer.status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---- discovery and keys ----------------------------------------------------------------------------------

    private Answer discovery() {
        String issuer = issuer();
        List<String> authMethods = List.of("client_secret_basic", "client_secret_post");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("issuer", issuer);
        body.put("authorization_endpoint", issuer + OIDC + "/auth");
        body.put("token_endpoint", tokenEndpoint());
        body.put("introspection_endpoint", issuer + OIDC + "/token/introspect");
        body.put("userinfo_endpoint", issuer + OIDC + "/userinfo");
        body.put("end_session_endpoint", issuer + OIDC + "/logout");
        body.put("jwks_uri", issuer + OIDC + "/certs");
        body.put(
                "grant_types_supported",
                List.of("authorization_code", "client_credentials", "password", "refresh_token"));
        body.put("response_types_supported", List.of("code"));
        body.put("response_modes_supported", List.of("query"));
        body.put("subject_types_supported", List.of("public"));
        body.put("id_token_signing_alg_values_supported", List.of("RS256"));
        body.put("code_challenge_methods_supported", List.of("plain", "S256"));
        body.put("scopes_supported", List.of("openid", "profile", "email"));
        body.put("token_endpoint_auth_methods_supported", authMethods);
        body.put("introspection_endpoint_auth_methods_supported", authMethods);
        body.put(
                "claims_supported",
                List.of(
                        "iss",
                        "sub",
                        "aud",
                        "exp",
                        "iat",
                        "auth_time",
                        "azp",
                        "nonce",
                        "sid",
                        "at_hash",
                        "preferred_username",
                        "groups"));
        body.put("authorization_response_iss_parameter_supported", true);
        return new Answer(200, body);
    }

    private Answer jwks() {
        List<Map<String, Object>> list = new ArrayList<>();
        keys.published().forEach((kid, key) -> {
            Map<String, Object> jwk = new LinkedHashMap<>();
            jwk.put("kid", kid);
            jwk.put("kty", "RSA");
            jwk.put("alg", "RS256");
            jwk.put("use", "sig");
            jwk.put("n", base64Url(key.getModulus()));
            jwk.put("e", base64Url(key.getPublicExponent()));
            list.add(jwk);
        });
        return new Answer(200, Map.of("keys", list), Map.of("Cache-Control", "no-cache"));
    }

    // ---- token endpoint --------------------------------------------------------------------------------------

    private static final Map<String, String> NO_STORE = Map.of("Cache-Control", "no-store", "Pragma", "no-cache");

    private Answer token(HttpExchange exchange) {
        Map<String, String> form = form(exchange);
        String grantType = form.get("grant_type");
        if (grantType == null || grantType.isEmpty()) {
            throw oauth(400, "invalid_request", "Missing form parameter: grant_type");
        }
        Client client = authenticate(exchange, form);
        Map<String, Object> body = switch (grantType) {
            case "client_credentials" -> bearer(clientCredentials(client));
            case "password" -> bearer(password(client, form));
            case "authorization_code" -> authorizationCode(client, form);
            case "refresh_token" -> refresh(client, form);
            default -> throw oauth(400, "unsupported_grant_type", "Unsupported grant_type " + grantType);
        };
        return new Answer(200, body, NO_STORE);
    }

    private static Map<String, Object> bearer(String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token);
        body.put("token_type", "Bearer");
        body.put("expires_in", GRANTED_LIFETIME_SECONDS);
        body.put("scope", "openid");
        return body;
    }

    /**
     * The {@code authorization_code} grant (RFC 6749 4.1.3, RFC 7636 4.5): the code, single use, issued to this
     * client for this {@code redirect_uri} less than 60 seconds ago, and the {@code code_verifier} of its challenge.
     */
    private Map<String, Object> authorizationCode(Client client, Map<String, String> form) {
        String value = form.get("code");
        if (value == null || value.isEmpty()) {
            throw oauth(400, "invalid_request", "Missing parameter: code");
        }
        Code code = codes.remove(value); // single use: gone at its first exchange, whatever comes of it
        if (code == null) {
            throw oauth(400, "invalid_grant", "Code not valid");
        }
        if (clock.instant().isAfter(code.expiresAt())) {
            throw oauth(400, "invalid_grant", "Code is expired");
        }
        if (!code.clientId().equals(client.id())) {
            throw oauth(400, "invalid_grant", "Code was issued to another client");
        }
        if (!code.redirectUri().equals(form.get("redirect_uri"))) {
            throw oauth(400, "invalid_grant", "Incorrect redirect_uri");
        }
        checkVerifier(code, form.get("code_verifier"));
        SsoSession session = sessions.get(code.sessionId());
        if (session == null) {
            throw oauth(400, "invalid_grant", "Session not active");
        }
        return tokens(client, session, code.scope(), code.nonce());
    }

    private static void checkVerifier(Code code, String verifier) {
        if (code.challenge() == null) {
            if (verifier != null) {
                throw oauth(
                        400,
                        "invalid_grant",
                        "PKCE code verifier specified but challenge not present in authorization");
            }
            return;
        }
        if (verifier == null || verifier.isEmpty()) {
            throw oauth(400, "invalid_grant", "PKCE code verifier not specified");
        }
        if (!PKCE.matcher(verifier).matches()) {
            throw oauth(400, "invalid_grant", "PKCE invalid code verifier");
        }
        String expected = "S256".equals(code.challengeMethod()) ? s256(verifier) : verifier;
        if (!same(code.challenge(), expected)) {
            throw oauth(400, "invalid_grant", "PKCE verification failed");
        }
    }

    /** {@code BASE64URL(SHA256(ASCII(verifier)))} without padding, the {@code S256} challenge of RFC 7636 4.2. */
    private static String s256(String verifier) {
        return B64URL.encodeToString(sha256(verifier.getBytes(StandardCharsets.US_ASCII)));
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot hash with SHA-256", e);
        }
    }

    /**
     * The {@code refresh_token} grant (RFC 6749 6): a refresh token issued to this client, not expired, of a session
     * still active. It is rotated: the answer carries a new one and the one given stops working.
     */
    private Map<String, Object> refresh(Client client, Map<String, String> form) {
        String value = form.get("refresh_token");
        if (value == null || value.isEmpty()) {
            throw oauth(400, "invalid_request", "Missing parameter: refresh_token");
        }
        Refresh grant = refreshTokens.get(value);
        if (grant == null) {
            throw oauth(400, "invalid_grant", "Invalid refresh token");
        }
        if (!grant.clientId().equals(client.id())) {
            throw oauth(400, "invalid_grant", "Invalid refresh token. Token client and authorized client don't match");
        }
        if (!refreshTokens.remove(value, grant)) {
            throw oauth(400, "invalid_grant", "Invalid refresh token"); // used at the same moment by another request
        }
        if (clock.instant().isAfter(grant.expiresAt())) {
            throw oauth(400, "invalid_grant", "Refresh token expired");
        }
        SsoSession session = sessions.get(grant.sessionId());
        if (session == null) {
            throw oauth(400, "invalid_grant", "Session not active");
        }
        return tokens(client, session, grant.scope(), grant.nonce());
    }

    /** The token response of the code flow: access, ID and refresh tokens of the session's user. */
    private Map<String, Object> tokens(Client client, SsoSession session, String scope, String nonce) {
        User user = users.get(session.username());
        if (user == null) {
            throw oauth(400, "invalid_grant", "User not found");
        }
        String access = granted(user.id(), user.username(), client, scope, session.id(), user.claims());
        String refresh = randomToken();
        refreshTokens.put(
                refresh,
                new Refresh(
                        client.id(),
                        session.id(),
                        scope,
                        nonce,
                        clock.instant().plusSeconds(REFRESH_LIFETIME_SECONDS)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", access);
        body.put("expires_in", GRANTED_LIFETIME_SECONDS);
        body.put("refresh_expires_in", REFRESH_LIFETIME_SECONDS);
        body.put("refresh_token", refresh);
        body.put("token_type", "Bearer");
        body.put("id_token", idToken(client, session, user, nonce, access));
        body.put("not-before-policy", 0);
        body.put("session_state", session.id());
        body.put("scope", scope);
        return body;
    }

    /**
     * An ID token (OpenID Connect Core 2): RS256 with the current key, {@code aud} and {@code azp} the client, {@code
     * auth_time} of the session's login, {@code nonce} when the authorization request had one, {@code sid} the
     * session, {@code at_hash} of the access token, {@code preferred_username} and the user's claims (which do not
     * replace the claims that say what the token is for).
     */
    private String idToken(Client client, SsoSession session, User user, String nonce, String accessToken) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("iss", issuer());
        payload.put("sub", user.id());
        payload.put("aud", client.id());
        payload.put("exp", now + GRANTED_LIFETIME_SECONDS);
        payload.put("iat", now);
        payload.put("auth_time", session.authTime().getEpochSecond());
        payload.put("jti", UUID.randomUUID().toString());
        payload.put("typ", "ID");
        payload.put("azp", client.id());
        if (nonce != null) {
            payload.put("nonce", nonce);
        }
        payload.put("sid", session.id());
        byte[] hash = sha256(accessToken.getBytes(StandardCharsets.US_ASCII));
        payload.put("at_hash", B64URL.encodeToString(Arrays.copyOf(hash, hash.length / 2)));
        payload.put("preferred_username", user.username());
        user.claims().forEach((name, value) -> {
            if (!ID_TOKEN_CLAIMS.contains(name)) {
                payload.put(name, value);
            }
        });
        SigningKey current = keys.current();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "RS256");
        header.put("typ", "JWT");
        header.put("kid", current.kid());
        return sign(header, payload, current.pair().getPrivate());
    }

    private String clientCredentials(Client client) {
        if (client.secret() == null) {
            throw oauth(400, "unauthorized_client", "Public client not allowed to retrieve service account");
        }
        String account = "service-account-" + client.id();
        return granted(account, account, client, client.claims());
    }

    private String password(Client client, Map<String, String> form) {
        String username = form.get("username");
        String password = form.get("password");
        if (username == null || username.isEmpty()) {
            throw oauth(400, "invalid_request", "Missing parameter: username");
        }
        if (password == null) {
            throw oauth(400, "invalid_request", "Missing parameter: password");
        }
        User user = users.get(username);
        if (user == null || !same(user.password(), password)) {
            throw oauth(400, "invalid_grant", "Invalid user credentials");
        }
        return granted(user.id(), user.username(), client, user.claims());
    }

    private String granted(String subject, String username, Client client, Map<String, Object> extra) {
        return granted(subject, username, client, "openid", null, extra);
    }

    private String granted(
            String subject, String username, Client client, String scope, String sid, Map<String, Object> extra) {
        TokenBuilder builder = token(subject)
                .username(username)
                .expiresIn(Duration.ofSeconds(GRANTED_LIFETIME_SECONDS))
                .claim("azp", client.id())
                .claim("scope", scope);
        if (sid != null) {
            builder.claim("sid", sid);
        }
        extra.forEach(builder::claim);
        return builder.build();
    }

    /**
     * The client of a token or introspection request: HTTP Basic ({@code client_secret_basic}, id and secret
     * form-urlencoded as RFC 6749 section 2.3.1 says) or form fields {@code client_id} and {@code client_secret}
     * ({@code client_secret_post}); a public client names itself by {@code client_id} alone.
     */
    private Client authenticate(HttpExchange exchange, Map<String, String> form) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String id;
        String secret;
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(
                        Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw invalidClient("Malformed Basic credentials");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw invalidClient("Malformed Basic credentials");
            }
            id = formDecode(decoded.substring(0, colon));
            secret = formDecode(decoded.substring(colon + 1));
            if (form.containsKey("client_secret")) {
                throw oauth(400, "invalid_request", "Multiple client authentication methods: Basic and client_secret");
            }
            String formId = form.get("client_id");
            if (formId != null && !formId.equals(id)) {
                throw oauth(400, "invalid_request", "client_id does not match the Basic credentials");
            }
        } else {
            id = form.get("client_id");
            secret = form.get("client_secret");
        }
        if (id == null || id.isEmpty()) {
            throw invalidClient("Missing client credentials");
        }
        Client client = clients.get(id);
        if (client == null) {
            throw invalidClient("Invalid client or Invalid client credentials");
        }
        if (client.secret() != null && (secret == null || !same(client.secret(), secret))) {
            throw invalidClient("Invalid client or Invalid client credentials");
        }
        return client;
    }

    private Problem invalidClient(String description) {
        return oauth(401, "invalid_client", description, Map.of("WWW-Authenticate", "Basic realm=\"" + realm + "\""));
    }

    private static boolean same(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private static String formDecode(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return value; // not form-encoded after all, as many clients send it
        }
    }

    /** The {@code application/x-www-form-urlencoded} body; a parameter given twice is refused (RFC 6749 3.1). */
    private static Map<String, String> form(HttpExchange exchange) {
        if (!isForm(exchange)) {
            throw oauth(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        }
        return parameters(body(exchange), message -> oauth(400, "invalid_request", message));
    }

    private static boolean isForm(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        return type != null && type.strip().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private static String body(HttpExchange exchange) {
        try {
            return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Form-encoded parameters (a body or a query); {@code refused} makes the problem of a malformed one. */
    private static Map<String, String> parameters(String encoded, Function<String, Problem> refused) {
        Map<String, String> params = new LinkedHashMap<>();
        if (encoded == null) {
            return params;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key;
            String value;
            try {
                key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw refused.apply("Malformed form body");
            }
            if (params.put(key, value) != null) {
                throw refused.apply("Parameter " + key + " is given more than once");
            }
        }
        return params;
    }

    // ---- browser sign-in: authorization, login form, logout --------------------------------------------------

    /**
     * The parameters of a browser request: the query of a GET, the form body of a POST. Errors are pages, as a
     * browser shows them.
     */
    private static Map<String, String> browserParameters(HttpExchange exchange) {
        Function<String, Problem> refused = message -> page(400, "Invalid Request", message);
        if ("POST".equals(exchange.getRequestMethod())) {
            if (!isForm(exchange)) {
                throw page(400, "Invalid Request", "Content-Type must be application/x-www-form-urlencoded");
            }
            return parameters(body(exchange), refused);
        }
        return parameters(exchange.getRequestURI().getRawQuery(), refused);
    }

    /**
     * The authorization endpoint (RFC 6749 4.1.1, OpenID Connect Core 3.1.2). A missing or unknown client or a
     * {@code redirect_uri} the client may not use answers an error page; other errors go back to the client. With an
     * SSO session (and no {@code prompt=login}, nor a {@code max_age} it exceeds) the code goes back at once;
     * otherwise the login page answers, unless {@code prompt=none} asks for no page: then {@code login_required}.
     */
    private Answer authorize(HttpExchange exchange) {
        Map<String, String> params = browserParameters(exchange);
        String clientId = params.get("client_id");
        if (clientId == null || clientId.isEmpty()) {
            throw page(400, "We are sorry...", "Missing parameter: client_id");
        }
        if (!clients.containsKey(clientId)) {
            throw page(400, "We are sorry...", "Client not found.");
        }
        String redirectUri = params.get("redirect_uri");
        if (!redirectAllowed(clientId, redirectUri)) {
            throw page(400, "We are sorry...", "Invalid parameter: redirect_uri");
        }
        String state = params.get("state");
        String responseType = params.get("response_type");
        if (responseType == null || responseType.isEmpty()) {
            return errorBack(redirectUri, state, "invalid_request", "Missing parameter: response_type");
        }
        if (!responseType.equals("code")) {
            return errorBack(
                    redirectUri,
                    state,
                    "unsupported_response_type",
                    "Client is not allowed to initiate browser login with given response_type. Only code is supported");
        }
        String responseMode = params.get("response_mode");
        if (responseMode != null && !responseMode.equals("query")) {
            return errorBack(redirectUri, state, "invalid_request", "Invalid parameter: response_mode");
        }
        Set<String> scopes = words(params.get("scope"));
        if (!scopes.contains("openid")) {
            return errorBack(
                    redirectUri,
                    state,
                    "invalid_scope",
                    "Missing scope openid: only OpenID Connect requests are served");
        }
        String challenge = params.get("code_challenge");
        String method = params.get("code_challenge_method");
        if (challenge == null) {
            if (method != null) {
                return errorBack(redirectUri, state, "invalid_request", "Missing parameter: code_challenge");
            }
        } else {
            method = method == null ? "plain" : method; // RFC 7636 4.3
            if (!method.equals("S256") && !method.equals("plain")) {
                return errorBack(redirectUri, state, "invalid_request", "Invalid parameter: code_challenge_method");
            }
            if (!PKCE.matcher(challenge).matches()) {
                return errorBack(redirectUri, state, "invalid_request", "Invalid parameter: code_challenge");
            }
        }
        Set<String> prompt = words(params.get("prompt"));
        if (prompt.contains("none") && prompt.size() > 1) {
            return errorBack(redirectUri, state, "invalid_request", "Invalid parameter: prompt");
        }
        Long maxAge = null;
        if (params.get("max_age") != null) {
            try {
                maxAge = Long.parseLong(params.get("max_age"));
            } catch (NumberFormatException e) {
                return errorBack(redirectUri, state, "invalid_request", "Invalid parameter: max_age");
            }
        }
        Instant now = clock.instant();
        Pending request = new Pending(
                clientId,
                redirectUri,
                String.join(" ", scopes),
                state,
                params.get("nonce"),
                challenge,
                challenge == null ? null : method,
                now.plus(LOGIN_TIMEOUT));
        SsoSession session = session(exchange);
        boolean again = prompt.contains("login")
                || (session != null
                        && maxAge != null
                        && session.authTime().plusSeconds(maxAge).isBefore(Instant.now()));
        if (session != null && !again) {
            return codeBack(request, session, NO_CACHE);
        }
        if (prompt.contains("none")) {
            return errorBack(redirectUri, state, "login_required", "Login required");
        }
        pending.values().removeIf(p -> now.isAfter(p.expiresAt()));
        String sessionCode = randomToken();
        pending.put(sessionCode, request);
        String hint = params.get("login_hint");
        return new Answer(200, new Html(loginPage(sessionCode, hint == null ? "" : hint, null)), NO_CACHE);
    }

    /**
     * The post of the login form: right credentials start an SSO session (cookie {@code KEYCLOAK_SESSION}) and send
     * the code back to the client; wrong ones answer the form again with Keycloak's message.
     */
    private Answer logIn(HttpExchange exchange) {
        String sessionCode = parameters(
                        exchange.getRequestURI().getRawQuery(), message -> page(400, "Invalid Request", message))
                .get("session_code");
        Pending request = sessionCode == null ? null : pending.get(sessionCode);
        if (request == null || clock.instant().isAfter(request.expiresAt())) {
            if (request != null) {
                pending.remove(sessionCode, request);
            }
            throw page(400, "Page has expired", "Your login attempt timed out. Login will start from the beginning.");
        }
        Map<String, String> form = browserParameters(exchange);
        String username = form.getOrDefault("username", "");
        String password = form.get("password");
        User user = users.get(username);
        if (user == null || password == null || !same(user.password(), password)) {
            return new Answer(200, new Html(loginPage(sessionCode, username, INVALID_CREDENTIALS)), NO_CACHE);
        }
        if (!pending.remove(sessionCode, request)) {
            throw page(400, "Page has expired", "Your login attempt timed out. Login will start from the beginning.");
        }
        SsoSession session = new SsoSession(randomToken(), user.username(), Instant.now());
        sessions.put(session.id(), session);
        signIns.incrementAndGet();
        Map<String, String> headers = new LinkedHashMap<>(NO_CACHE);
        headers.put(
                "Set-Cookie",
                SESSION_COOKIE + "=" + session.id() + "; Path=/realms/" + realm + "; HttpOnly; SameSite=Lax");
        return codeBack(request, session, headers);
    }

    /**
     * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0): ends the browser's SSO session (and the one
     * {@code id_token_hint} names), its codes and refresh tokens, clears the cookie, and goes to {@code
     * post_logout_redirect_uri} (with {@code state}) when given, which needs the client ({@code client_id} or the
     * hint's) and one of its redirect prefixes; otherwise it answers a "You are logged out" page.
     */
    private Answer logout(HttpExchange exchange) {
        Map<String, String> params = browserParameters(exchange);
        String hint = params.get("id_token_hint");
        String clientId = params.get("client_id");
        String postLogout = params.get("post_logout_redirect_uri");
        Map<String, Object> hinted = null;
        if (hint != null && !hint.isEmpty()) {
            try {
                hinted = verify(hint, false);
            } catch (InvalidToken e) {
                throw page(400, "We are sorry...", "Invalid parameter: id_token_hint");
            }
        }
        String hintedClient = hinted == null ? null : hintedClient(hinted);
        if (clientId != null && hintedClient != null && !clientId.equals(hintedClient)) {
            throw page(400, "We are sorry...", "Parameter client_id different than the client from id_token_hint");
        }
        String client = clientId != null ? clientId : hintedClient;
        if (postLogout != null) {
            if (client == null) {
                throw page(400, "We are sorry...", "Missing parameters: id_token_hint");
            }
            if (!clients.containsKey(client)) {
                throw page(400, "We are sorry...", "Client not found.");
            }
            if (!redirectAllowed(client, postLogout)) {
                throw page(400, "We are sorry...", "Invalid redirect uri");
            }
        }
        String cookie = cookie(exchange, SESSION_COOKIE);
        if (cookie != null) {
            endSession(cookie);
        }
        if (hinted != null && hinted.get("sid") instanceof String sid) {
            endSession(sid);
        }
        Map<String, String> headers = new LinkedHashMap<>(NO_CACHE);
        headers.put(
                "Set-Cookie",
                SESSION_COOKIE + "=; Path=/realms/" + realm
                        + "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax");
        if (postLogout != null) {
            Map<String, String> back = new LinkedHashMap<>();
            if (params.get("state") != null) {
                back.put("state", params.get("state"));
            }
            return redirect(withQuery(postLogout, back), headers);
        }
        return new Answer(200, new Html(messagePage("Logging out", "You are logged out")), headers);
    }

    private static String hintedClient(Map<String, Object> claims) {
        if (claims.get("azp") instanceof String azp) {
            return azp;
        }
        if (claims.get("aud") instanceof String aud) {
            return aud;
        }
        if (claims.get("aud") instanceof List<?> list && list.size() == 1) {
            return String.valueOf(list.get(0));
        }
        return null;
    }

    private void endSession(String id) {
        if (sessions.remove(id) != null) {
            codes.values().removeIf(code -> code.sessionId().equals(id));
            refreshTokens.values().removeIf(refresh -> refresh.sessionId().equals(id));
        }
    }

    /** The SSO session of the browser's {@code KEYCLOAK_SESSION} cookie, if it is active and its user still there. */
    private SsoSession session(HttpExchange exchange) {
        String id = cookie(exchange, SESSION_COOKIE);
        SsoSession session = id == null ? null : sessions.get(id);
        return session != null && users.containsKey(session.username()) ? session : null;
    }

    private static String cookie(HttpExchange exchange, String name) {
        List<String> headers = exchange.getRequestHeaders().get("Cookie");
        if (headers == null) {
            return null;
        }
        for (String header : headers) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).strip().equals(name)) {
                    String value = pair.substring(eq + 1).strip();
                    return value.isEmpty() ? null : value;
                }
            }
        }
        return null;
    }

    /**
     * Whether {@code clientId} may be sent to {@code uri}: an absolute URI without fragment (RFC 6749 3.1.2) that
     * starts with one of the client's prefixes, or any such URI when it has none.
     */
    private boolean redirectAllowed(String clientId, String uri) {
        if (uri == null || uri.isEmpty()) {
            return false;
        }
        try {
            URI parsed = new URI(uri);
            if (!parsed.isAbsolute() || parsed.getRawFragment() != null) {
                return false;
            }
        } catch (URISyntaxException e) {
            return false;
        }
        List<String> prefixes = redirects.get(clientId);
        return prefixes == null || prefixes.isEmpty() || prefixes.stream().anyMatch(uri::startsWith);
    }

    /** A new code for {@code request} in {@code session}, sent back to the client (RFC 6749 4.1.2, RFC 9207). */
    private Answer codeBack(Pending request, SsoSession session, Map<String, String> headers) {
        Instant now = clock.instant();
        codes.values().removeIf(code -> now.isAfter(code.expiresAt()));
        String code = randomToken();
        codes.put(
                code,
                new Code(
                        request.clientId(),
                        request.redirectUri(),
                        session.id(),
                        request.scope(),
                        request.nonce(),
                        request.challenge(),
                        request.challengeMethod(),
                        now.plus(CODE_LIFETIME)));
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", code);
        if (request.state() != null) {
            params.put("state", request.state());
        }
        params.put("session_state", session.id());
        params.put("iss", issuer());
        return redirect(withQuery(request.redirectUri(), params), headers);
    }

    /** An error of the authorization request, sent back to the client (RFC 6749 4.1.2.1). */
    private Answer errorBack(String redirectUri, String state, String error, String description) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("error", error);
        params.put("error_description", description);
        if (state != null) {
            params.put("state", state);
        }
        params.put("iss", issuer());
        return redirect(withQuery(redirectUri, params), NO_CACHE);
    }

    private static Answer redirect(String location, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Location", location);
        return new Answer(302, null, all);
    }

    /** {@code uri} with {@code params} added to its query, each percent-encoded (a space as {@code %20}). */
    private static String withQuery(String uri, Map<String, String> params) {
        if (params.isEmpty()) {
            return uri;
        }
        StringBuilder result = new StringBuilder(uri);
        char last = uri.charAt(uri.length() - 1);
        if (uri.indexOf('?') < 0) {
            result.append('?');
        } else if (last != '?' && last != '&') {
            result.append('&');
        }
        String query = params.entrySet().stream()
                .map(e -> percentEncode(e.getKey()) + "=" + percentEncode(e.getValue()))
                .collect(Collectors.joining("&"));
        return result.append(query).toString();
    }

    private static String percentEncode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Space-separated words (a {@code scope} or {@code prompt}), each once, in order. */
    private static Set<String> words(String value) {
        Set<String> words = new LinkedHashSet<>();
        if (value != null) {
            for (String word : value.strip().split("\\s+")) {
                if (!word.isEmpty()) {
                    words.add(word);
                }
            }
        }
        return words;
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return B64URL.encodeToString(bytes);
    }

    // ---- pages -----------------------------------------------------------------------------------------------

    /**
     * Keycloak's login page, reduced: the form {@code kc-form-login} with {@code username}, {@code password} and the
     * submit button {@code kc-login}, after the error message when there is one.
     */
    private String loginPage(String sessionCode, String username, String error) {
        String action = "/realms/" + realm + "/login-actions/authenticate?session_code=" + sessionCode;
        StringBuilder html = new StringBuilder();
        html.append(pageStart("Sign in to " + realm));
        html.append("<h1 id=\"kc-page-title\">Sign in to your account</h1>\n");
        if (error != null) {
            html.append("<div class=\"alert-error\"><span id=\"input-error\" class=\"kc-feedback-text\" "
                            + "aria-live=\"polite\">")
                    .append(escape(error))
                    .append("</span></div>\n");
        }
        html.append("<form id=\"kc-form-login\" method=\"post\" action=\"")
                .append(escape(action))
                .append("\">\n")
                .append("<label for=\"username\">Username or email</label>\n")
                .append("<input id=\"username\" name=\"username\" type=\"text\" value=\"")
                .append(escape(username))
                .append("\" autofocus autocomplete=\"username\">\n")
                .append("<label for=\"password\">Password</label>\n")
                .append("<input id=\"password\" name=\"password\" type=\"password\" "
                        + "autocomplete=\"current-password\">\n")
                .append("<input id=\"kc-login\" name=\"login\" type=\"submit\" value=\"Sign In\">\n")
                .append("</form>\n");
        return html.append(pageEnd()).toString();
    }

    private String messagePage(String title, String message) {
        return pageStart(title) + "<h1 id=\"kc-page-title\">" + escape(message) + "</h1>\n" + pageEnd();
    }

    private String pageStart(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>" + escape(title)
                + "</title>\n</head>\n<body>\n<div id=\"kc-header\">" + escape(realm) + "</div>\n";
    }

    private static String pageEnd() {
        return "</body>\n</html>\n";
    }

    /** An error page for the browser, as Keycloak shows one when it cannot send the user back to the client. */
    private static Problem page(int status, String title, String message) {
        String html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
                + escape(title) + "</title>\n</head>\n<body>\n<h1 id=\"kc-page-title\">" + escape(title)
                + "</h1>\n<p id=\"kc-error-message\" class=\"instruction\">" + escape(message) + "</p>\n"
                + "</body>\n</html>\n";
        return new Problem(new Answer(status, new Html(html), NO_CACHE));
    }

    private static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    // ---- userinfo and introspection --------------------------------------------------------------------------

    private Answer userinfo(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw invalidToken("Token not provided");
        }
        Map<String, Object> claims;
        try {
            claims = verify(authorization.substring(7).strip());
        } catch (InvalidToken e) {
            throw invalidToken(e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>(claims);
        body.keySet().removeAll(TOKEN_CLAIMS);
        return new Answer(200, body);
    }

    private Problem invalidToken(String description) {
        String challenge = "Bearer realm=\"" + realm + "\", error=\"invalid_token\", error_description=\""
                + description.replace("\"", "'") + "\"";
        return oauth(401, "invalid_token", description, Map.of("WWW-Authenticate", challenge));
    }

    private Answer introspect(HttpExchange exchange) {
        Map<String, String> form = form(exchange);
        authenticate(exchange, form);
        String token = form.get("token");
        if (token == null || token.isEmpty()) {
            throw oauth(400, "invalid_request", "Missing parameter: token");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            Map<String, Object> claims = verify(token);
            body.put("active", true);
            body.putAll(claims);
            body.putIfAbsent("client_id", claims.get("azp"));
            body.putIfAbsent("username", claims.get("preferred_username"));
            body.putIfAbsent("token_type", "Bearer");
        } catch (InvalidToken e) {
            body.put("active", false);
        }
        return new Answer(200, body);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private byte[] bytes(Map<String, Object> value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> copy(Map<String, Object> claims) {
        return claims == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(claims));
    }
}
