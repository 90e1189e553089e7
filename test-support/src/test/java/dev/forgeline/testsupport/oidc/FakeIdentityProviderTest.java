package dev.forgeline.testsupport.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake identity provider called over real HTTP, its tokens checked as a relying party checks them: the RS256
 * signature with {@link Signature} and the public key rebuilt from the JWKS {@code n} and {@code e}.
 */
class FakeIdentityProviderTest {
    private static final String REALM = "forgeline";
    private static final String CLIENT = "planner-service";
    private static final String SECRET = "planner-secret-5d1a";
    private static final Base64.Decoder B64URL = Base64.getUrlDecoder();
    private static final String WEB = "forgeline-web";
    private static final String WEB_SECRET = "web-secret-0c7e";
    private static final String CALLBACK = "http://localhost:8081/app/callback";
    private static final Pattern FORM_ACTION = Pattern.compile("<form\\b[^>]*\\baction=\"([^\"]*)\"");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeIdentityProvider idp;

    @BeforeEach
    void start() {
        idp = FakeIdentityProvider.start(REALM)
                .addClient(CLIENT, SECRET, Map.of("roles", List.of("planner"), "tenant", "acme"))
                .addUser(
                        "alice",
                        "alice-password",
                        Map.of("groups", List.of("forgeline-admins"), "email_verified", true))
                .addUser("bob", "bob-password", Map.of())
                .addClient(WEB, WEB_SECRET, Map.of())
                .allowRedirect(WEB, "http://localhost:8081/app/");
    }

    @AfterEach
    void stop() {
        idp.close();
    }

    @Test
    void theDiscoveryDocumentIsConsistentWithTheIssuerAndItsEndpointsAnswer() {
        assertThat(idp.issuer()).matches("http://127\\.0\\.0\\.1:\\d+/realms/forgeline");
        assertThat(idp.tokenEndpoint()).isEqualTo(idp.issuer() + "/protocol/openid-connect/token");

        HttpResponse<String> response = get(idp.issuer() + "/.well-known/openid-configuration", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode discovery = parse(response);
        assertThat(discovery.get("issuer").asText()).isEqualTo(idp.issuer());
        assertThat(discovery.get("token_endpoint").asText()).isEqualTo(idp.tokenEndpoint());
        assertThat(discovery.get("jwks_uri").asText()).isEqualTo(idp.issuer() + "/protocol/openid-connect/certs");
        assertThat(discovery.get("userinfo_endpoint").asText())
                .isEqualTo(idp.issuer() + "/protocol/openid-connect/userinfo");
        assertThat(discovery.get("introspection_endpoint").asText())
                .isEqualTo(idp.issuer() + "/protocol/openid-connect/token/introspect");
        assertThat(discovery.get("authorization_endpoint").asText()).startsWith(idp.issuer() + "/");
        assertThat(texts(discovery.get("response_types_supported"))).containsExactly("code");
        assertThat(texts(discovery.get("subject_types_supported"))).containsExactly("public");
        assertThat(texts(discovery.get("id_token_signing_alg_values_supported")))
                .containsExactly("RS256");
        assertThat(texts(discovery.get("grant_types_supported")))
                .containsExactly("authorization_code", "client_credentials", "password", "refresh_token");
        assertThat(texts(discovery.get("token_endpoint_auth_methods_supported")))
                .containsExactly("client_secret_basic", "client_secret_post");
        assertThat(discovery.get("authorization_endpoint").asText())
                .isEqualTo(idp.issuer() + "/protocol/openid-connect/auth");
        assertThat(discovery.get("end_session_endpoint").asText())
                .isEqualTo(idp.issuer() + "/protocol/openid-connect/logout");
        assertThat(texts(discovery.get("response_modes_supported"))).containsExactly("query");
        assertThat(texts(discovery.get("code_challenge_methods_supported"))).containsExactly("plain", "S256");
        assertThat(texts(discovery.get("scopes_supported"))).containsExactly("openid", "profile", "email");
        assertThat(texts(discovery.get("claims_supported")))
                .contains("sub", "iss", "aud", "auth_time", "nonce", "preferred_username", "groups");

        JsonNode jwks = parse(get(discovery.get("jwks_uri").asText(), null));
        assertThat(jwks.get("keys")).hasSize(1);
        JsonNode key = jwks.at("/keys/0");
        assertThat(key.get("kty").asText()).isEqualTo("RSA");
        assertThat(key.get("use").asText()).isEqualTo("sig");
        assertThat(key.get("alg").asText()).isEqualTo("RS256");
        assertThat(key.get("kid").asText()).isNotBlank();
        assertThat(key.get("e").asText()).isEqualTo("AQAB");
        byte[] modulus = B64URL.decode(key.get("n").asText());
        // unsigned big-endian magnitude of a 2048-bit modulus: 256 bytes, no leading sign byte
        assertThat(modulus).hasSize(256);
        assertThat(modulus[0]).isNotZero();
        assertThat(key.get("n").asText()).doesNotContain("=", "+", "/");

        // the authorization endpoint is a browser's: without a client it answers an error page
        HttpResponse<String> authorization =
                get(discovery.get("authorization_endpoint").asText(), null);
        assertThat(authorization.statusCode()).isEqualTo(400);
        assertThat(authorization.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(authorization.body()).contains("Missing parameter: client_id");
    }

    @Test
    void aMintedTokenVerifiesWithThePublishedKeyAndCarriesTheClaimsSet() {
        Instant before = Instant.now();
        String token = idp.token("user-1")
                .username("alice")
                .groups("forgeline-admins", "reviewers")
                .claim("tenant", "acme")
                .claim("level", 3)
                .claim("beta", true)
                .claim("roles", List.of("planner", "reviewer"))
                .build();
        assertThat(token).doesNotContain("=", "+", "/");
        assertThat(token.split("\\.", -1)).hasSize(3);

        JsonNode jwk = onlyKey();
        assertThat(verifies(token, jwk)).isTrue();
        JsonNode header = header(token);
        assertThat(header.get("alg").asText()).isEqualTo("RS256");
        assertThat(header.get("typ").asText()).isEqualTo("JWT");
        assertThat(header.get("kid").asText()).isEqualTo(jwk.get("kid").asText());

        JsonNode claims = claims(token);
        assertThat(claims.get("iss").asText()).isEqualTo(idp.issuer());
        assertThat(claims.get("sub").asText()).isEqualTo("user-1");
        assertThat(claims.get("aud").asText()).isEqualTo("forgeline");
        assertThat(claims.get("azp").asText()).isEqualTo("forgeline");
        assertThat(claims.get("typ").asText()).isEqualTo("Bearer");
        assertThat(claims.get("preferred_username").asText()).isEqualTo("alice");
        assertThat(texts(claims.get("groups"))).containsExactly("forgeline-admins", "reviewers");
        assertThat(claims.get("tenant").asText()).isEqualTo("acme");
        assertThat(claims.get("level").isInt()).isTrue();
        assertThat(claims.get("level").asInt()).isEqualTo(3);
        assertThat(claims.get("beta").isBoolean()).isTrue();
        assertThat(claims.get("beta").asBoolean()).isTrue();
        assertThat(texts(claims.get("roles"))).containsExactly("planner", "reviewer");
        assertThat(claims.get("jti").asText()).matches("[0-9a-f-]{36}");
        long iat = claims.get("iat").asLong();
        assertThat(iat).isBetween(before.getEpochSecond(), Instant.now().getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(iat + 300);

        // defaults: preferred_username is the subject, no groups claim
        JsonNode plain = claims(idp.token("svc").build());
        assertThat(plain.get("preferred_username").asText()).isEqualTo("svc");
        assertThat(plain.has("groups")).isFalse();
        assertThat(plain.get("jti").asText()).isNotEqualTo(claims.get("jti").asText());

        String other = idp.token("user-1")
                .audience("forgeline", "account")
                .issuer("http://elsewhere.example/realms/other")
                .expiresIn(Duration.ofMinutes(-1))
                .build();
        assertThat(verifies(other, jwk)).isTrue();
        JsonNode otherClaims = claims(other);
        assertThat(texts(otherClaims.get("aud"))).containsExactly("forgeline", "account");
        assertThat(otherClaims.get("iss").asText()).isEqualTo("http://elsewhere.example/realms/other");
        assertThat(otherClaims.get("exp").asLong()).isLessThan(Instant.now().getEpochSecond());

        String forged = idp.token("user-1").signedByAnotherKey().build();
        assertThat(header(forged).get("kid").asText()).isEqualTo(jwk.get("kid").asText());
        assertThat(claims(forged).get("sub").asText()).isEqualTo("user-1");
        assertThat(verifies(forged, jwk)).isFalse();

        String unsigned = idp.token("user-1").unsigned().build();
        assertThat(header(unsigned).get("alg").asText()).isEqualTo("none");
        assertThat(unsigned).endsWith(".");
        assertThat(unsigned.split("\\.", -1)[2]).isEmpty();
    }

    @Test
    void aRotatedKeySignsNewTokensAndTheOldKeyLeavesTheJwksWhenNotKept() {
        String oldKid = onlyKey().get("kid").asText();
        String oldToken = idp.token("user-1").build();

        idp.rotateKey(true);
        JsonNode both = parse(get(jwksUri(), null)).get("keys");
        List<String> kids = texts(both, "kid");
        assertThat(kids).hasSize(2).contains(oldKid);
        String keptKid =
                kids.stream().filter(k -> !k.equals(oldKid)).findFirst().orElseThrow();
        String middleToken = idp.token("user-1").build();
        assertThat(header(middleToken).get("kid").asText()).isEqualTo(keptKid);
        assertThat(userinfo(oldToken).statusCode()).isEqualTo(200);
        assertThat(userinfo(middleToken).statusCode()).isEqualTo(200);

        idp.rotateKey(false);
        JsonNode jwk = onlyKey();
        String newKid = jwk.get("kid").asText();
        assertThat(newKid).isNotIn(oldKid, keptKid);
        String newToken = idp.token("user-1").build();
        assertThat(header(newToken).get("kid").asText()).isEqualTo(newKid);
        assertThat(verifies(newToken, jwk)).isTrue();
        assertThat(verifies(middleToken, jwk)).isFalse();

        assertThat(userinfo(newToken).statusCode()).isEqualTo(200);
        assertThat(userinfo(oldToken).statusCode()).isEqualTo(401);
        assertThat(userinfo(middleToken).statusCode()).isEqualTo(401);
        assertThat(parse(introspect(middleToken)).get("active").asBoolean()).isFalse();
        assertThat(parse(introspect(newToken)).get("active").asBoolean()).isTrue();

        // a granted token is signed with the new key as well
        String granted = parse(tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "client_credentials")))
                .get("access_token")
                .asText();
        assertThat(header(granted).get("kid").asText()).isEqualTo(newKid);
        assertThat(verifies(granted, jwk)).isTrue();
    }

    @Test
    void theClientCredentialsGrantIssuesAServiceAccountTokenWithTheClientsClaims() {
        HttpResponse<String> response = tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "client_credentials"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode body = parse(response);
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asInt()).isEqualTo(300);
        assertThat(body.get("scope").asText()).isEqualTo("openid");
        String token = body.get("access_token").asText();
        assertThat(verifies(token, onlyKey())).isTrue();
        JsonNode claims = claims(token);
        assertThat(claims.get("sub").asText()).isEqualTo("service-account-planner-service");
        assertThat(claims.get("preferred_username").asText()).isEqualTo("service-account-planner-service");
        assertThat(claims.get("azp").asText()).isEqualTo(CLIENT);
        assertThat(claims.get("iss").asText()).isEqualTo(idp.issuer());
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(300);
        assertThat(texts(claims.get("roles"))).containsExactly("planner");
        assertThat(claims.get("tenant").asText()).isEqualTo("acme");

        // client_secret_post works the same
        HttpResponse<String> post = tokenRequest(
                null, Map.of("grant_type", "client_credentials", "client_id", CLIENT, "client_secret", SECRET));
        assertThat(post.statusCode()).as(post.body()).isEqualTo(200);
        assertThat(claims(parse(post).get("access_token").asText()).get("sub").asText())
                .isEqualTo("service-account-planner-service");

        HttpResponse<String> wrongSecret =
                tokenRequest(basic(CLIENT, "not-the-secret"), Map.of("grant_type", "client_credentials"));
        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(parse(wrongSecret).get("error").asText()).isEqualTo("invalid_client");
        assertThat(parse(wrongSecret).get("error_description").asText()).isNotBlank();
        assertThat(wrongSecret.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        HttpResponse<String> wrongPostedSecret = tokenRequest(
                null, Map.of("grant_type", "client_credentials", "client_id", CLIENT, "client_secret", "nope"));
        assertThat(wrongPostedSecret.statusCode()).isEqualTo(401);
        assertThat(parse(wrongPostedSecret).get("error").asText()).isEqualTo("invalid_client");
        HttpResponse<String> unknownClient =
                tokenRequest(basic("nobody", SECRET), Map.of("grant_type", "client_credentials"));
        assertThat(unknownClient.statusCode()).isEqualTo(401);
        assertThat(parse(unknownClient).get("error").asText()).isEqualTo("invalid_client");
        HttpResponse<String> noClient = tokenRequest(null, Map.of("grant_type", "client_credentials"));
        assertThat(noClient.statusCode()).isEqualTo(401);
        assertThat(parse(noClient).get("error").asText()).isEqualTo("invalid_client");

        HttpResponse<String> otherGrant = tokenRequest(
                basic(CLIENT, SECRET),
                Map.of("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "device_code", "x"));
        assertThat(otherGrant.statusCode()).isEqualTo(400);
        assertThat(parse(otherGrant).get("error").asText()).isEqualTo("unsupported_grant_type");
        HttpResponse<String> unknownCode =
                tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "authorization_code", "code", "x"));
        assertThat(unknownCode.statusCode()).isEqualTo(400);
        assertThat(parse(unknownCode).get("error").asText()).isEqualTo("invalid_grant");
        HttpResponse<String> noGrant = tokenRequest(basic(CLIENT, SECRET), Map.of("scope", "openid"));
        assertThat(noGrant.statusCode()).isEqualTo(400);
        assertThat(parse(noGrant).get("error").asText()).isEqualTo("invalid_request");
        HttpResponse<String> json = send(HttpRequest.newBuilder(URI.create(idp.tokenEndpoint()))
                .header("Authorization", basic(CLIENT, SECRET))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"grant_type\":\"client_credentials\"}")));
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(parse(json).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    void thePasswordGrantIssuesAStableSubjectPerUserWithTheUsersClaims() {
        HttpResponse<String> response = tokenRequest(
                basic(CLIENT, SECRET),
                Map.of("grant_type", "password", "username", "alice", "password", "alice-password"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String token = parse(response).get("access_token").asText();
        assertThat(verifies(token, onlyKey())).isTrue();
        JsonNode claims = claims(token);
        String subject = claims.get("sub").asText();
        assertThat(subject).isNotBlank().isNotEqualTo("alice");
        assertThat(claims.get("preferred_username").asText()).isEqualTo("alice");
        assertThat(claims.get("azp").asText()).isEqualTo(CLIENT);
        assertThat(texts(claims.get("groups"))).containsExactly("forgeline-admins");
        assertThat(claims.get("email_verified").asBoolean()).isTrue();

        JsonNode again = claims(password("alice", "alice-password"));
        assertThat(again.get("sub").asText()).isEqualTo(subject);
        assertThat(again.get("jti").asText()).isNotEqualTo(claims.get("jti").asText());
        JsonNode bob = claims(password("bob", "bob-password"));
        assertThat(bob.get("sub").asText()).isNotEqualTo(subject);
        assertThat(bob.get("preferred_username").asText()).isEqualTo("bob");
        assertThat(bob.has("groups")).isFalse();

        HttpResponse<String> wrongPassword = tokenRequest(
                basic(CLIENT, SECRET), Map.of("grant_type", "password", "username", "alice", "password", "guess"));
        assertThat(wrongPassword.statusCode()).isEqualTo(400);
        assertThat(parse(wrongPassword).get("error").asText()).isEqualTo("invalid_grant");
        HttpResponse<String> unknownUser = tokenRequest(
                basic(CLIENT, SECRET), Map.of("grant_type", "password", "username", "mallory", "password", "x"));
        assertThat(unknownUser.statusCode()).isEqualTo(400);
        assertThat(parse(unknownUser).get("error").asText()).isEqualTo("invalid_grant");
        HttpResponse<String> missingPassword =
                tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "password", "username", "alice"));
        assertThat(missingPassword.statusCode()).isEqualTo(400);
        assertThat(parse(missingPassword).get("error").asText()).isEqualTo("invalid_request");
        HttpResponse<String> wrongClient = tokenRequest(
                basic(CLIENT, "nope"),
                Map.of("grant_type", "password", "username", "alice", "password", "alice-password"));
        assertThat(wrongClient.statusCode()).isEqualTo(401);
        assertThat(parse(wrongClient).get("error").asText()).isEqualTo("invalid_client");

        // a public client (no secret) names itself by client_id and may not use client_credentials
        idp.addClient("forgeline-cli", null, Map.of());
        HttpResponse<String> publicClient = tokenRequest(
                null,
                Map.of(
                        "grant_type",
                        "password",
                        "client_id",
                        "forgeline-cli",
                        "username",
                        "bob",
                        "password",
                        "bob-password"));
        assertThat(publicClient.statusCode()).as(publicClient.body()).isEqualTo(200);
        assertThat(claims(parse(publicClient).get("access_token").asText())
                        .get("azp")
                        .asText())
                .isEqualTo("forgeline-cli");
        HttpResponse<String> publicServiceAccount =
                tokenRequest(null, Map.of("grant_type", "client_credentials", "client_id", "forgeline-cli"));
        assertThat(publicServiceAccount.statusCode()).isEqualTo(400);
        assertThat(parse(publicServiceAccount).get("error").asText()).isEqualTo("unauthorized_client");
    }

    @Test
    void userinfoAndIntrospectionAcceptAValidTokenAndRefuseOthers() {
        String token = idp.token("user-1")
                .username("alice")
                .groups("forgeline-admins")
                .claim("tenant", "acme")
                .build();

        HttpResponse<String> userinfo = userinfo(token);
        assertThat(userinfo.statusCode()).as(userinfo.body()).isEqualTo(200);
        JsonNode info = parse(userinfo);
        assertThat(info.get("sub").asText()).isEqualTo("user-1");
        assertThat(info.get("preferred_username").asText()).isEqualTo("alice");
        assertThat(texts(info.get("groups"))).containsExactly("forgeline-admins");
        assertThat(info.get("tenant").asText()).isEqualTo("acme");
        assertThat(info.has("exp")).isFalse();

        JsonNode introspection = parse(introspect(token));
        assertThat(introspection.get("active").asBoolean()).isTrue();
        assertThat(introspection.get("sub").asText()).isEqualTo("user-1");
        assertThat(introspection.get("preferred_username").asText()).isEqualTo("alice");
        assertThat(introspection.get("username").asText()).isEqualTo("alice");
        assertThat(introspection.get("client_id").asText()).isEqualTo("forgeline");
        assertThat(introspection.get("iss").asText()).isEqualTo(idp.issuer());
        assertThat(texts(introspection.get("groups"))).containsExactly("forgeline-admins");
        assertThat(introspection.get("tenant").asText()).isEqualTo("acme");
        assertThat(introspection.get("exp").asLong())
                .isGreaterThan(Instant.now().getEpochSecond());

        // a granted token as well
        String granted = password("alice", "alice-password");
        assertThat(parse(userinfo(granted)).get("preferred_username").asText()).isEqualTo("alice");
        assertThat(parse(introspect(granted)).get("active").asBoolean()).isTrue();

        Map<String, String> refused = new LinkedHashMap<>();
        refused.put(
                "expired", idp.token("user-1").expiresIn(Duration.ofSeconds(-5)).build());
        refused.put("another key", idp.token("user-1").signedByAnotherKey().build());
        refused.put("unsigned", idp.token("user-1").unsigned().build());
        refused.put(
                "another issuer",
                idp.token("user-1").issuer("http://127.0.0.1:1/realms/other").build());
        refused.put("garbage", "not-a-jwt");
        refused.forEach((why, bad) -> {
            HttpResponse<String> answer = userinfo(bad);
            assertThat(answer.statusCode()).as(why).isEqualTo(401);
            assertThat(answer.headers().firstValue("WWW-Authenticate"))
                    .as(why)
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer").contains("error=\"invalid_token\""));
            JsonNode inactive = parse(introspect(bad));
            assertThat(inactive.get("active").asBoolean()).as(why).isFalse();
            assertThat(inactive).as(why).hasSize(1);
        });
        HttpResponse<String> noToken = get(idp.issuer() + "/protocol/openid-connect/userinfo", null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).contains("error=\"invalid_token\""));

        // introspection authenticates its caller as the token endpoint does
        HttpResponse<String> unauthenticated =
                send(HttpRequest.newBuilder(URI.create(idp.issuer() + "/protocol/openid-connect/token/introspect"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("token", token)))));
        assertThat(unauthenticated.statusCode()).isEqualTo(401);
        assertThat(parse(unauthenticated).get("error").asText()).isEqualTo("invalid_client");
        HttpResponse<String> posted =
                send(HttpRequest.newBuilder(URI.create(idp.issuer() + "/protocol/openid-connect/token/introspect"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                form(Map.of("token", token, "client_id", CLIENT, "client_secret", SECRET)))));
        assertThat(parse(posted).get("active").asBoolean()).isTrue();
    }

    @Test
    void injectedFaultsLastForExactlyTheirCountOnAnyEndpoint() {
        String certs = jwksUri();
        idp.failNext(2, 503);
        HttpResponse<String> first = get(certs, null);
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(parse(first).get("error").asText()).isNotBlank();
        assertThat(tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "client_credentials"))
                        .statusCode())
                .isEqualTo(503);
        assertThat(get(certs, null).statusCode()).isEqualTo(200);

        idp.rateLimitNext(2, 7);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> limited =
                    tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "client_credentials"));
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).contains("7");
            assertThat(parse(limited).get("error").asText()).isNotBlank();
        }
        assertThat(tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "client_credentials"))
                        .statusCode())
                .isEqualTo(200);

        Duration delay = Duration.ofMillis(800);
        idp.delayNext(2, delay);
        for (int i = 0; i < 2; i++) {
            long started = System.nanoTime();
            assertThat(get(certs, null).statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(delay);
        }
        long started = System.nanoTime();
        assertThat(get(certs, null).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(delay);

        assertThat(idp.requests().stream().map(FakeIdentityProvider.Request::status))
                .containsExactly(200, 503, 503, 200, 429, 429, 200, 200, 200, 200);
    }

    @Test
    void everyRequestIsRecordedWithMethodPathAndStatusAndUnknownPathsAre404() {
        String base = "/realms/" + REALM;
        String origin = idp.issuer().substring(0, idp.issuer().length() - base.length());
        get(idp.issuer() + "/.well-known/openid-configuration", null);
        get(idp.issuer() + "/protocol/openid-connect/certs", null);
        tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "client_credentials"));
        HttpResponse<String> unknown = get(idp.issuer() + "/nothing/here?x=1", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(parse(unknown).get("error").asText()).isEqualTo("not_found");
        HttpResponse<String> otherRealm = get(origin + "/realms/other/.well-known/openid-configuration", null);
        assertThat(otherRealm.statusCode()).isEqualTo(404);
        assertThat(parse(otherRealm).get("error").asText()).isEqualTo("not_found");
        HttpResponse<String> getToken = get(idp.tokenEndpoint(), null);
        assertThat(getToken.statusCode()).isEqualTo(405);

        assertThat(idp.requests())
                .containsExactly(
                        new FakeIdentityProvider.Request("GET", base + "/.well-known/openid-configuration", 200),
                        new FakeIdentityProvider.Request("GET", base + "/protocol/openid-connect/certs", 200),
                        new FakeIdentityProvider.Request("POST", base + "/protocol/openid-connect/token", 200),
                        new FakeIdentityProvider.Request("GET", base + "/nothing/here?x=1", 404),
                        new FakeIdentityProvider.Request("GET", "/realms/other/.well-known/openid-configuration", 404),
                        new FakeIdentityProvider.Request("GET", base + "/protocol/openid-connect/token", 405));
    }

    // ---- browser sign-in: the authorization code flow --------------------------------------------------------

    @Test
    void theCodeFlowWithPkceSignsAPersonInAndItsTokensVerify() {
        String subject = claims(password("alice", "alice-password")).get("sub").asText();
        Browser browser = new Browser();
        String verifier = verifier();
        String state = "st ate/+&=ü";
        String nonce = "n-0S6_WzA2Mj";
        long before = Instant.now().getEpochSecond();

        HttpResponse<String> page = browser.get(authorizeUrl(authorization(s256(verifier), state, nonce)));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.headers().firstValue("Cache-Control"))
                .hasValueSatisfying(value -> assertThat(value).contains("no-store"));
        assertThat(page.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(page.body())
                .contains("name=\"username\"", "name=\"password\"", "id=\"kc-login\"")
                .doesNotContain(FakeIdentityProvider.INVALID_CREDENTIALS);
        URI action = action(page);
        assertThat(action.getPath()).isEqualTo("/realms/" + REALM + "/login-actions/authenticate");
        assertThat(query(action)).containsKey("session_code");

        HttpResponse<String> loggedIn = browser.post(action, Map.of("username", "alice", "password", "alice-password"));
        assertThat(loggedIn.statusCode()).as(loggedIn.body()).isEqualTo(302);
        assertThat(idp.signIns()).isEqualTo(1);
        assertThat(loggedIn.headers().firstValue("Set-Cookie"))
                .hasValueSatisfying(cookie -> assertThat(cookie)
                        .startsWith(FakeIdentityProvider.SESSION_COOKIE + "=")
                        .contains("HttpOnly", "Path=/realms/" + REALM));
        assertThat(browser.sessionCookie()).isNotNull();
        String location = loggedIn.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(CALLBACK + "?").doesNotContain(" ");
        Map<String, String> back = query(URI.create(location));
        assertThat(back.get("code")).isNotBlank();
        assertThat(back.get("state")).isEqualTo(state);
        assertThat(back.get("iss")).isEqualTo(idp.issuer());
        assertThat(back.get("session_state")).isNotBlank();

        HttpResponse<String> exchanged = exchange(back.get("code"), CALLBACK, verifier);
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        assertThat(exchanged.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode tokens = parse(exchanged);
        assertThat(tokens.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.get("expires_in").asInt()).isEqualTo(300);
        assertThat(tokens.get("refresh_expires_in").asInt()).isEqualTo(1800);
        assertThat(tokens.get("refresh_token").asText()).isNotBlank();
        assertThat(tokens.get("scope").asText()).isEqualTo("openid profile");
        assertThat(tokens.get("session_state").asText()).isEqualTo(back.get("session_state"));

        JsonNode jwk = onlyKey();
        String idToken = tokens.get("id_token").asText();
        assertThat(verifies(idToken, jwk)).isTrue();
        assertThat(header(idToken).get("kid").asText()).isEqualTo(jwk.get("kid").asText());
        JsonNode id = claims(idToken);
        assertThat(id.get("iss").asText()).isEqualTo(idp.issuer());
        assertThat(id.get("aud").asText()).isEqualTo(WEB);
        assertThat(id.get("azp").asText()).isEqualTo(WEB);
        assertThat(id.get("sub").asText()).isEqualTo(subject);
        assertThat(id.get("nonce").asText()).isEqualTo(nonce);
        assertThat(id.get("preferred_username").asText()).isEqualTo("alice");
        assertThat(texts(id.get("groups"))).containsExactly("forgeline-admins");
        assertThat(id.get("email_verified").asBoolean()).isTrue();
        assertThat(id.get("sid").asText()).isEqualTo(back.get("session_state"));
        assertThat(id.get("auth_time").asLong()).isBetween(before, Instant.now().getEpochSecond());
        assertThat(id.get("exp").asLong() - id.get("iat").asLong()).isEqualTo(300);

        String access = tokens.get("access_token").asText();
        assertThat(verifies(access, jwk)).isTrue();
        JsonNode accessClaims = claims(access);
        assertThat(accessClaims.get("sub").asText()).isEqualTo(subject);
        assertThat(accessClaims.get("azp").asText()).isEqualTo(WEB);
        assertThat(accessClaims.get("preferred_username").asText()).isEqualTo("alice");
        HttpResponse<String> userinfo = userinfo(access);
        assertThat(userinfo.statusCode()).as(userinfo.body()).isEqualTo(200);
        assertThat(parse(userinfo).get("sub").asText()).isEqualTo(subject);
        assertThat(parse(userinfo).get("preferred_username").asText()).isEqualTo("alice");

        // a code is single use
        HttpResponse<String> again = exchange(back.get("code"), CALLBACK, verifier);
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(parse(again).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(idp.signIns()).isEqualTo(1);
    }

    @Test
    void wrongCredentialsAnswerTheLoginFormAgainWithKeycloaksMessage() {
        Browser browser = new Browser();
        String verifier = verifier();
        URI action = action(browser.get(authorizeUrl(authorization(s256(verifier), "s1", null))));

        HttpResponse<String> wrong = browser.post(action, Map.of("username", "alice", "password", "guess"));
        assertThat(wrong.statusCode()).isEqualTo(200);
        assertThat(wrong.headers().firstValue("Location")).isEmpty();
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(wrong.body()).contains("Invalid username or password.", "value=\"alice\"", "id=\"kc-login\"");
        assertThat(action(wrong)).isEqualTo(action);
        HttpResponse<String> unknown = browser.post(action, Map.of("username", "mallory", "password", "x"));
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(unknown.body()).contains("Invalid username or password.");
        assertThat(idp.signIns()).isZero();
        assertThat(browser.sessionCookie()).isNull();

        HttpResponse<String> right = browser.post(action, Map.of("username", "alice", "password", "alice-password"));
        assertThat(right.statusCode()).isEqualTo(302);
        Map<String, String> back = redirectQuery(right);
        assertThat(back.get("state")).isEqualTo("s1");
        assertThat(idp.signIns()).isEqualTo(1);
        assertThat(exchange(back.get("code"), CALLBACK, verifier).statusCode()).isEqualTo(200);

        // the login page is gone once used
        HttpResponse<String> replay = browser.post(action, Map.of("username", "alice", "password", "alice-password"));
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.body()).contains("Your login attempt timed out");
        assertThat(idp.signIns()).isEqualTo(1);
    }

    @Test
    void aCodeIsRefusedUsedTwiceWithoutItsVerifierForAnotherRedirectUriOrClientAndAfterSixtySeconds() {
        Browser browser = new Browser();
        String verifier = verifier();
        String first = signIn(browser, authorization(s256(verifier), "s", null), "bob", "bob-password")
                .get("code");
        assertThat(exchange(first, CALLBACK, verifier).statusCode()).isEqualTo(200);
        assertInvalidGrant(exchange(first, CALLBACK, verifier));

        // wrong verifier: refused, and the code is used up by the attempt
        String wrongVerifier = ssoCode(browser, verifier);
        assertInvalidGrant(exchange(wrongVerifier, CALLBACK, verifier()));
        assertInvalidGrant(exchange(wrongVerifier, CALLBACK, verifier));
        assertInvalidGrant(exchange(ssoCode(browser, verifier), CALLBACK, null));
        assertInvalidGrant(exchange(ssoCode(browser, verifier), CALLBACK, "too-short"));
        assertInvalidGrant(exchange(ssoCode(browser, verifier), CALLBACK + "/other", verifier));
        assertInvalidGrant(exchange(ssoCode(browser, verifier), null, verifier));
        HttpResponse<String> otherClient =
                tokenRequest(basic(CLIENT, SECRET), codeGrant(ssoCode(browser, verifier), CALLBACK, verifier));
        assertInvalidGrant(otherClient);
        HttpResponse<String> wrongSecret =
                tokenRequest(basic(WEB, "not-the-secret"), codeGrant(ssoCode(browser, verifier), CALLBACK, verifier));
        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(parse(wrongSecret).get("error").asText()).isEqualTo("invalid_client");

        String late = ssoCode(browser, verifier);
        idp.clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(61)));
        assertInvalidGrant(exchange(late, CALLBACK, verifier));
        idp.clock(Clock.systemUTC());
        String inTime = ssoCode(browser, verifier);
        idp.clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(55)));
        assertThat(exchange(inTime, CALLBACK, verifier).statusCode()).isEqualTo(200);
        idp.clock(Clock.systemUTC());

        HttpResponse<String> noCode = tokenRequest(
                basic(WEB, WEB_SECRET), Map.of("grant_type", "authorization_code", "redirect_uri", CALLBACK));
        assertThat(noCode.statusCode()).isEqualTo(400);
        assertThat(parse(noCode).get("error").asText()).isEqualTo("invalid_request");
        assertThat(idp.signIns()).isEqualTo(1);
    }

    @Test
    void aPublicClientUsesPlainPkceOrNoneAndAnyRedirectUriWhenItRegisteredNoPrefix() {
        idp.addClient("forgeline-spa", null, Map.of());
        Browser browser = new Browser();
        String verifier = verifier();
        String redirect = "http://127.0.0.1:9/anywhere/cb?tab=1";
        Map<String, String> plain = new LinkedHashMap<>();
        plain.put("response_type", "code");
        plain.put("client_id", "forgeline-spa");
        plain.put("redirect_uri", redirect);
        plain.put("scope", "openid");
        plain.put("code_challenge", verifier);
        plain.put("code_challenge_method", "plain");
        Map<String, String> back = signIn(browser, plain, "bob", "bob-password");
        HttpResponse<String> exchanged = tokenRequest(null, publicCodeGrant(back.get("code"), redirect, verifier));
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        JsonNode id = claims(parse(exchanged).get("id_token").asText());
        assertThat(id.get("aud").asText()).isEqualTo("forgeline-spa");
        assertThat(id.get("preferred_username").asText()).isEqualTo("bob");
        assertThat(id.has("nonce")).isFalse();

        // without PKCE: no verifier, and a verifier the authorization had no challenge for is refused
        Map<String, String> noPkce = new LinkedHashMap<>(plain);
        noPkce.remove("code_challenge");
        noPkce.remove("code_challenge_method");
        HttpResponse<String> redirected = browser.get(authorizeUrl(noPkce));
        assertThat(redirected.statusCode()).isEqualTo(302);
        assertThat(redirected.headers().firstValue("Location").orElseThrow()).startsWith(redirect + "&code=");
        assertThat(tokenRequest(null, publicCodeGrant(redirectQuery(redirected).get("code"), redirect, null))
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> unexpected = browser.get(authorizeUrl(noPkce));
        assertInvalidGrant(
                tokenRequest(null, publicCodeGrant(redirectQuery(unexpected).get("code"), redirect, verifier)));
    }

    @Test
    void anSsoSessionSkipsTheFormPromptLoginForcesItAndPromptNoneWithoutOneIsLoginRequired() {
        Browser stranger = new Browser();
        Map<String, String> silent = authorization(s256(verifier()), "quiet", null);
        silent.put("prompt", "none");
        HttpResponse<String> required = stranger.get(authorizeUrl(silent));
        assertThat(required.statusCode()).isEqualTo(302);
        assertThat(required.headers().firstValue("Location").orElseThrow()).startsWith(CALLBACK + "?");
        Map<String, String> error = redirectQuery(required);
        assertThat(error.get("error")).isEqualTo("login_required");
        assertThat(error.get("state")).isEqualTo("quiet");
        assertThat(error.get("iss")).isEqualTo(idp.issuer());
        assertThat(error).doesNotContainKey("code");

        Browser browser = new Browser();
        String verifier = verifier();
        Map<String, String> first =
                signIn(browser, authorization(s256(verifier), "one", "n1"), "alice", "alice-password");
        JsonNode firstId = claims(parse(exchange(first.get("code"), CALLBACK, verifier))
                .get("id_token")
                .asText());

        HttpResponse<String> sso = browser.get(authorizeUrl(authorization(s256(verifier), "two", "n2")));
        assertThat(sso.statusCode()).as(sso.body()).isEqualTo(302);
        assertThat(sso.headers().firstValue("Set-Cookie")).isEmpty();
        Map<String, String> second = redirectQuery(sso);
        assertThat(second.get("state")).isEqualTo("two");
        assertThat(second.get("session_state")).isEqualTo(first.get("session_state"));
        JsonNode secondId = claims(parse(exchange(second.get("code"), CALLBACK, verifier))
                .get("id_token")
                .asText());
        assertThat(secondId.get("nonce").asText()).isEqualTo("n2");
        assertThat(secondId.get("sub").asText()).isEqualTo(firstId.get("sub").asText());
        assertThat(secondId.get("auth_time").asLong())
                .isEqualTo(firstId.get("auth_time").asLong());
        assertThat(idp.signIns()).isEqualTo(1);

        silent.put("state", "quiet-again");
        HttpResponse<String> silentWithSession = browser.get(authorizeUrl(silent));
        assertThat(silentWithSession.statusCode()).isEqualTo(302);
        assertThat(redirectQuery(silentWithSession)).containsKey("code").doesNotContainKey("error");

        Map<String, String> forced = authorization(s256(verifier), "three", null);
        forced.put("prompt", "login");
        HttpResponse<String> form = browser.get(authorizeUrl(forced));
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("id=\"kc-login\"");
        HttpResponse<String> relogin =
                browser.post(action(form), Map.of("username", "alice", "password", "alice-password"));
        assertThat(relogin.statusCode()).isEqualTo(302);
        assertThat(idp.signIns()).isEqualTo(2);
    }

    @Test
    void anAuthorizationRequestWithAnUnknownClientOrRedirectUriIsAnErrorPageAndOtherErrorsGoBack() {
        String challenge = s256(verifier());
        Map<String, String> unknownClient = authorization(challenge, "s", null);
        unknownClient.put("client_id", "nobody");
        assertErrorPage(get(authorizeUrl(unknownClient), null), "Client not found.");
        Map<String, String> foreign = authorization(challenge, "s", null);
        foreign.put("redirect_uri", "http://evil.example/app/callback");
        assertErrorPage(get(authorizeUrl(foreign), null), "Invalid parameter: redirect_uri");
        Map<String, String> fragment = authorization(challenge, "s", null);
        fragment.put("redirect_uri", CALLBACK + "#top");
        assertErrorPage(get(authorizeUrl(fragment), null), "Invalid parameter: redirect_uri");
        Map<String, String> noRedirect = authorization(challenge, "s", null);
        noRedirect.remove("redirect_uri");
        assertErrorPage(get(authorizeUrl(noRedirect), null), "Invalid parameter: redirect_uri");

        Map<String, String> implicit = authorization(challenge, "s-1", null);
        implicit.put("response_type", "token");
        assertErrorBack(implicit, "unsupported_response_type", "s-1");
        Map<String, String> oauthOnly = authorization(challenge, "s-2", null);
        oauthOnly.put("scope", "profile email");
        assertErrorBack(oauthOnly, "invalid_scope", "s-2");
        Map<String, String> method = authorization(challenge, "s-3", null);
        method.put("code_challenge_method", "S512");
        assertErrorBack(method, "invalid_request", "s-3");
        Map<String, String> prompts = authorization(challenge, "s-4", null);
        prompts.put("prompt", "none login");
        assertErrorBack(prompts, "invalid_request", "s-4");
        Map<String, String> formPost = authorization(challenge, "s-5", null);
        formPost.put("response_mode", "form_post");
        assertErrorBack(formPost, "invalid_request", "s-5");

        // a client without registered prefixes accepts any redirect URI
        Map<String, String> anyRedirect = authorization(challenge, "s", null);
        anyRedirect.put("client_id", CLIENT);
        anyRedirect.put("redirect_uri", "https://anywhere.example/cb");
        assertThat(get(authorizeUrl(anyRedirect), null).statusCode()).isEqualTo(200);

        // a login post for no pending authorization, and the wrong method
        HttpResponse<String> stale = new Browser()
                .post(
                        URI.create(idp.issuer() + "/login-actions/authenticate?session_code=nothing"),
                        Map.of("username", "alice", "password", "alice-password"));
        assertErrorPage(stale, "Your login attempt timed out");
        assertThat(get(idp.issuer() + "/login-actions/authenticate?session_code=x", null)
                        .statusCode())
                .isEqualTo(405);
        assertThat(idp.signIns()).isZero();
    }

    @Test
    void injectedFaultsApplyToTheBrowserEndpointsToo() {
        Browser browser = new Browser();
        String verifier = verifier();
        String url = authorizeUrl(authorization(s256(verifier), "s", null));
        idp.failNext(1, 503);
        assertThat(browser.get(url).statusCode()).isEqualTo(503);
        HttpResponse<String> page = browser.get(url);
        assertThat(page.statusCode()).isEqualTo(200);
        idp.rateLimitNext(1, 3);
        HttpResponse<String> limited =
                browser.post(action(page), Map.of("username", "alice", "password", "alice-password"));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("3");
        assertThat(idp.signIns()).isZero();
        HttpResponse<String> loggedIn =
                browser.post(action(page), Map.of("username", "alice", "password", "alice-password"));
        assertThat(loggedIn.statusCode()).isEqualTo(302);
        idp.failNext(1, 500);
        assertThat(browser.get(idp.issuer() + "/protocol/openid-connect/logout").statusCode())
                .isEqualTo(500);
        assertThat(browser.sessionCookie()).isNotNull();
        assertThat(idp.requests().stream().map(FakeIdentityProvider.Request::status))
                .containsExactly(503, 200, 429, 302, 500);
    }

    @Test
    void theRefreshTokenGrantIssuesNewTokensAndTheOldRefreshTokenStopsWorking() {
        Browser browser = new Browser();
        String verifier = verifier();
        Map<String, String> back =
                signIn(browser, authorization(s256(verifier), "s", "nonce-1"), "alice", "alice-password");
        JsonNode first = parse(exchange(back.get("code"), CALLBACK, verifier));
        String oldRefresh = first.get("refresh_token").asText();

        HttpResponse<String> refreshed = refresh(basic(WEB, WEB_SECRET), oldRefresh);
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.headers().firstValue("Cache-Control")).contains("no-store");
        JsonNode second = parse(refreshed);
        assertThat(second.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(second.get("expires_in").asInt()).isEqualTo(300);
        assertThat(second.get("refresh_expires_in").asInt()).isEqualTo(1800);
        assertThat(second.get("session_state").asText()).isEqualTo(back.get("session_state"));
        String newRefresh = second.get("refresh_token").asText();
        assertThat(newRefresh).isNotBlank().isNotEqualTo(oldRefresh);
        assertThat(second.get("access_token").asText())
                .isNotEqualTo(first.get("access_token").asText());
        String newId = second.get("id_token").asText();
        assertThat(newId).isNotEqualTo(first.get("id_token").asText());
        assertThat(verifies(newId, onlyKey())).isTrue();
        JsonNode oldIdClaims = claims(first.get("id_token").asText());
        JsonNode newIdClaims = claims(newId);
        assertThat(newIdClaims.get("aud").asText()).isEqualTo(WEB);
        assertThat(newIdClaims.get("sub").asText())
                .isEqualTo(oldIdClaims.get("sub").asText());
        assertThat(newIdClaims.get("auth_time").asLong())
                .isEqualTo(oldIdClaims.get("auth_time").asLong());
        assertThat(newIdClaims.get("nonce").asText()).isEqualTo("nonce-1");
        assertThat(userinfo(second.get("access_token").asText()).statusCode()).isEqualTo(200);

        assertInvalidGrant(refresh(basic(WEB, WEB_SECRET), oldRefresh));
        // another client may not use it (and does not use it up), nor may an unauthenticated caller
        assertInvalidGrant(refresh(basic(CLIENT, SECRET), newRefresh));
        assertThat(refresh(basic(WEB, "nope"), newRefresh).statusCode()).isEqualTo(401);
        HttpResponse<String> third = refresh(basic(WEB, WEB_SECRET), newRefresh);
        assertThat(third.statusCode()).isEqualTo(200);
        assertInvalidGrant(refresh(basic(WEB, WEB_SECRET), newRefresh));

        idp.clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(1801)));
        assertInvalidGrant(refresh(
                basic(WEB, WEB_SECRET), parse(third).get("refresh_token").asText()));
        idp.clock(Clock.systemUTC());
        assertInvalidGrant(refresh(basic(WEB, WEB_SECRET), "not-a-refresh-token"));
        HttpResponse<String> missing = tokenRequest(basic(WEB, WEB_SECRET), Map.of("grant_type", "refresh_token"));
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(parse(missing).get("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    void logoutEndsTheSessionClearsTheCookieAndRedirectsWithState() {
        Browser browser = new Browser();
        String verifier = verifier();
        Map<String, String> back = signIn(browser, authorization(s256(verifier), "s", null), "alice", "alice-password");
        JsonNode tokens = parse(exchange(back.get("code"), CALLBACK, verifier));
        String oldCookie = browser.sessionCookie();
        assertThat(oldCookie).isNotNull();

        String logout = idp.issuer() + "/protocol/openid-connect/logout";
        Map<String, String> forbidden = new LinkedHashMap<>();
        forbidden.put("id_token_hint", tokens.get("id_token").asText());
        forbidden.put("post_logout_redirect_uri", "http://evil.example/bye");
        assertErrorPage(browser.get(logout + "?" + form(forbidden)), "Invalid redirect uri");
        assertErrorPage(
                browser.get(logout + "?" + form(Map.of("post_logout_redirect_uri", "http://localhost:8081/app/bye"))),
                "Missing parameters: id_token_hint");
        assertThat(browser.sessionCookie()).isEqualTo(oldCookie);

        Map<String, String> params = new LinkedHashMap<>();
        params.put("id_token_hint", tokens.get("id_token").asText());
        params.put("post_logout_redirect_uri", "http://localhost:8081/app/bye");
        params.put("state", "after logout");
        HttpResponse<String> loggedOut = browser.get(logout + "?" + form(params));
        assertThat(loggedOut.statusCode()).as(loggedOut.body()).isEqualTo(302);
        assertThat(loggedOut.headers().firstValue("Location"))
                .contains("http://localhost:8081/app/bye?state=after%20logout");
        assertThat(loggedOut.headers().firstValue("Set-Cookie"))
                .hasValueSatisfying(cookie -> assertThat(cookie)
                        .startsWith(FakeIdentityProvider.SESSION_COOKIE + "=;")
                        .contains("Max-Age=0", "Path=/realms/" + REALM));
        assertThat(browser.sessionCookie()).isNull();

        // the next authorization shows the form again, even with the old cookie: the session is over
        String url = authorizeUrl(authorization(s256(verifier), "s2", null));
        assertThat(browser.get(url).statusCode()).isEqualTo(200);
        HttpResponse<String> oldSession = send(HttpRequest.newBuilder(URI.create(url))
                .header("Cookie", FakeIdentityProvider.SESSION_COOKIE + "=" + oldCookie)
                .GET());
        assertThat(oldSession.statusCode()).isEqualTo(200);
        assertThat(oldSession.body()).contains("id=\"kc-login\"");
        assertInvalidGrant(
                refresh(basic(WEB, WEB_SECRET), tokens.get("refresh_token").asText()));

        // without a redirect: a page; by client_id, an expired hint is still a hint
        signIn(browser, authorization(s256(verifier), "s3", null), "alice", "alice-password");
        HttpResponse<String> page = browser.get(logout);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("You are logged out");
        assertThat(browser.sessionCookie()).isNull();
        String expiredHint = idp.token("someone")
                .audience(WEB)
                .claim("azp", WEB)
                .expiresIn(Duration.ofMinutes(-10))
                .build();
        HttpResponse<String> byHint = browser.get(logout + "?"
                + form(Map.of(
                        "id_token_hint", expiredHint, "post_logout_redirect_uri", "http://localhost:8081/app/x")));
        assertThat(byHint.statusCode()).isEqualTo(302);
        assertThat(byHint.headers().firstValue("Location")).contains("http://localhost:8081/app/x");
        assertErrorPage(
                browser.get(logout + "?"
                        + form(Map.of(
                                "id_token_hint",
                                idp.token("x").signedByAnotherKey().build()))),
                "Invalid parameter: id_token_hint");
    }

    // ---- the browser's side ----------------------------------------------------------------------------------

    /** A browser: its own cookies, redirects not followed. */
    private final class Browser {
        private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        private final HttpClient client = HttpClient.newBuilder()
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();

        HttpResponse<String> get(String url) {
            return send(HttpRequest.newBuilder(URI.create(url)).GET());
        }

        HttpResponse<String> post(URI url, Map<String, String> params) {
            return send(HttpRequest.newBuilder(url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form(params))));
        }

        /** The value of the {@code KEYCLOAK_SESSION} cookie this browser would send, or null. */
        String sessionCookie() {
            return cookies.getCookieStore().get(URI.create(idp.issuer() + "/protocol/openid-connect/auth")).stream()
                    .filter(cookie -> cookie.getName().equals(FakeIdentityProvider.SESSION_COOKIE))
                    .map(HttpCookie::getValue)
                    .findFirst()
                    .orElse(null);
        }

        private HttpResponse<String> send(HttpRequest.Builder request) {
            try {
                return client.send(
                        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The authorization request of the web client, PKCE S256. */
    private static Map<String, String> authorization(String challenge, String state, String nonce) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", WEB);
        params.put("redirect_uri", CALLBACK);
        params.put("scope", "openid profile");
        params.put("state", state);
        if (nonce != null) {
            params.put("nonce", nonce);
        }
        params.put("code_challenge", challenge);
        params.put("code_challenge_method", "S256");
        return params;
    }

    private String authorizeUrl(Map<String, String> params) {
        return idp.issuer() + "/protocol/openid-connect/auth?" + form(params);
    }

    /** Signs in through the login form; the query of the redirect back to the client. */
    private Map<String, String> signIn(Browser browser, Map<String, String> params, String user, String password) {
        HttpResponse<String> page = browser.get(authorizeUrl(params));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        HttpResponse<String> back = browser.post(action(page), Map.of("username", user, "password", password));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        return redirectQuery(back);
    }

    /** A code of the browser's SSO session, no form shown. */
    private String ssoCode(Browser browser, String verifier) {
        HttpResponse<String> back = browser.get(authorizeUrl(authorization(s256(verifier), "sso", null)));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        return redirectQuery(back).get("code");
    }

    private HttpResponse<String> exchange(String code, String redirectUri, String verifier) {
        return tokenRequest(basic(WEB, WEB_SECRET), codeGrant(code, redirectUri, verifier));
    }

    private static Map<String, String> codeGrant(String code, String redirectUri, String verifier) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("grant_type", "authorization_code");
        params.put("code", code);
        if (redirectUri != null) {
            params.put("redirect_uri", redirectUri);
        }
        if (verifier != null) {
            params.put("code_verifier", verifier);
        }
        return params;
    }

    private static Map<String, String> publicCodeGrant(String code, String redirectUri, String verifier) {
        Map<String, String> params = codeGrant(code, redirectUri, verifier);
        params.put("client_id", "forgeline-spa");
        return params;
    }

    private HttpResponse<String> refresh(String authorization, String refreshToken) {
        return tokenRequest(authorization, Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
    }

    private void assertInvalidGrant(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(parse(response).get("error").asText()).isEqualTo("invalid_grant");
    }

    private static void assertErrorPage(HttpResponse<String> response, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Location")).isEmpty();
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(response.body()).contains(message);
    }

    private void assertErrorBack(Map<String, String> params, String error, String state) {
        HttpResponse<String> response = get(authorizeUrl(params), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
        assertThat(response.headers().firstValue("Location").orElseThrow()).startsWith(CALLBACK + "?");
        Map<String, String> back = redirectQuery(response);
        assertThat(back.get("error")).isEqualTo(error);
        assertThat(back.get("error_description")).isNotBlank();
        assertThat(back.get("state")).isEqualTo(state);
        assertThat(back).doesNotContainKey("code");
    }

    /** The form's action, resolved against the page's URL as a browser does. */
    private static URI action(HttpResponse<String> page) {
        Matcher form = FORM_ACTION.matcher(page.body());
        assertThat(form.find()).as(page.body()).isTrue();
        return page.uri().resolve(form.group(1).replace("&amp;", "&"));
    }

    private static Map<String, String> redirectQuery(HttpResponse<String> response) {
        return query(URI.create(response.headers().firstValue("Location").orElseThrow()));
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            params.put(
                    URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return params;
    }

    private static String verifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- verification as a relying party does it ------------------------------------------------------------

    /** Whether {@code token}'s RS256 signature verifies with the RSA public key rebuilt from {@code jwk}. */
    private static boolean verifies(String token, JsonNode jwk) {
        String[] parts = token.split("\\.", -1);
        try {
            PublicKey key = KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(
                            new BigInteger(1, B64URL.decode(jwk.get("n").asText())),
                            new BigInteger(1, B64URL.decode(jwk.get("e").asText()))));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return signature.verify(B64URL.decode(parts[2]));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode onlyKey() {
        JsonNode keys = parse(get(jwksUri(), null)).get("keys");
        assertThat(keys).hasSize(1);
        return keys.get(0);
    }

    private String jwksUri() {
        return parse(get(idp.issuer() + "/.well-known/openid-configuration", null))
                .get("jwks_uri")
                .asText();
    }

    private JsonNode header(String token) {
        return decode(token.split("\\.", -1)[0]);
    }

    private JsonNode claims(String token) {
        return decode(token.split("\\.", -1)[1]);
    }

    private JsonNode decode(String part) {
        try {
            return json.readTree(B64URL.decode(part));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- HTTP ------------------------------------------------------------------------------------------------

    private String password(String username, String password) {
        HttpResponse<String> response = tokenRequest(
                basic(CLIENT, SECRET), Map.of("grant_type", "password", "username", username, "password", password));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return parse(response).get("access_token").asText();
    }

    private HttpResponse<String> userinfo(String token) {
        return get(idp.issuer() + "/protocol/openid-connect/userinfo", "Bearer " + token);
    }

    private HttpResponse<String> introspect(String token) {
        return send(HttpRequest.newBuilder(URI.create(idp.issuer() + "/protocol/openid-connect/token/introspect"))
                .header("Authorization", basic(CLIENT, SECRET))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(
                        form(Map.of("token", token, "token_type_hint", "access_token")))));
    }

    private HttpResponse<String> tokenRequest(String authorization, Map<String, String> params) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(idp.tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(params)));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

    private HttpResponse<String> get(String url, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String basic(String id, String secret) {
        String pair =
                URLEncoder.encode(id, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String form(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private JsonNode parse(HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> texts(JsonNode array) {
        return texts(array, null);
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(node ->
                values.add(field == null ? node.asText() : node.get(field).asText()));
        return values;
    }
}
