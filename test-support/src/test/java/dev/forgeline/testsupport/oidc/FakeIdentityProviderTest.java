package dev.forgeline.testsupport.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
                .addUser("bob", "bob-password", Map.of());
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
        assertThat(texts(discovery.get("grant_types_supported"))).containsExactly("client_credentials", "password");
        assertThat(texts(discovery.get("token_endpoint_auth_methods_supported")))
                .containsExactly("client_secret_basic", "client_secret_post");

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

        HttpResponse<String> authorization =
                get(discovery.get("authorization_endpoint").asText(), null);
        assertThat(authorization.statusCode()).isEqualTo(501);
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

        HttpResponse<String> otherGrant =
                tokenRequest(basic(CLIENT, SECRET), Map.of("grant_type", "authorization_code", "code", "x"));
        assertThat(otherGrant.statusCode()).isEqualTo(400);
        assertThat(parse(otherGrant).get("error").asText()).isEqualTo("unsupported_grant_type");
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
