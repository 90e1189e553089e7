package dev.forgeline.testsupport.oidc;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
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
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A fake OpenID Connect identity provider on 127.0.0.1, shaped as one Keycloak realm: every endpoint lives under
 * {@code /realms/{realm}}, as Keycloak serves it. It covers discovery ({@code
 * /.well-known/openid-configuration}), the JWKS ({@code /protocol/openid-connect/certs}), the token endpoint
 * ({@code /protocol/openid-connect/token}) with the {@code client_credentials} and {@code password} grants and client
 * authentication by HTTP Basic ({@code client_secret_basic}) or form fields ({@code client_secret_post}), userinfo
 * ({@code /protocol/openid-connect/userinfo}) and token introspection (RFC 7662, {@code
 * /protocol/openid-connect/token/introspect}). The authorization endpoint is advertised but answers 501: there is no
 * browser login.
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

    private final String realm;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
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

    /** An answer: status, JSON body (null for none), extra headers. */
    private record Answer(int status, Object body, Map<String, String> headers) {
        Answer(int status, Object body) {
            this(status, body, Map.of());
        }
    }

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
            case OIDC + "/auth" ->
                new Answer(
                        501,
                        error(
                                "not_implemented",
                                "This fake identity provider has no browser login: use the token endpoint"));
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
        byte[] bytes = json.writeValueAsBytes(answer.body);
        headers.set("Content-Type", "application/json");
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
        body.put("jwks_uri", issuer + OIDC + "/certs");
        body.put("grant_types_supported", List.of("client_credentials", "password"));
        body.put("response_types_supported", List.of("code"));
        body.put("subject_types_supported", List.of("public"));
        body.put("id_token_signing_alg_values_supported", List.of("RS256"));
        body.put("scopes_supported", List.of("openid"));
        body.put("token_endpoint_auth_methods_supported", authMethods);
        body.put("introspection_endpoint_auth_methods_supported", authMethods);
        body.put("claims_supported", List.of("iss", "sub", "aud", "exp", "iat", "azp", "preferred_username", "groups"));
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
        String token = switch (grantType) {
            case "client_credentials" -> clientCredentials(client);
            case "password" -> password(client, form);
            default -> throw oauth(400, "unsupported_grant_type", "Unsupported grant_type " + grantType);
        };
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token);
        body.put("token_type", "Bearer");
        body.put("expires_in", GRANTED_LIFETIME_SECONDS);
        body.put("scope", "openid");
        return new Answer(200, body, NO_STORE);
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
        TokenBuilder builder = token(subject)
                .username(username)
                .expiresIn(Duration.ofSeconds(GRANTED_LIFETIME_SECONDS))
                .claim("azp", client.id())
                .claim("scope", "openid");
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
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.strip().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw oauth(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
        }
        String body;
        try {
            body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
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
                throw oauth(400, "invalid_request", "Malformed form body");
            }
            if (params.put(key, value) != null) {
                throw oauth(400, "invalid_request", "Parameter " + key + " is given more than once");
            }
        }
        return params;
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
