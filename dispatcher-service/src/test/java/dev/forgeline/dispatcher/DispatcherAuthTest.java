package dev.forgeline.dispatcher;

import static dev.forgeline.dispatcher.Fixtures.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.TokenStore;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher with API tokens on (the other tests run with {@code forgeline.auth.mode=off}): who may read, who
 * may operate, a worker token that speaks only for its own node, a revocation that takes effect without a
 * restart, an expired token, and a token over its rate limit (0.5 requests/s, burst 12). Tokens are made in the same token store file the service reads.
 */
@QuarkusTest
@TestProfile(DispatcherAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class DispatcherAuthTest {
    static final Path TOKENS = Path.of("target", "auth-test", "tokens").toAbsolutePath();
    static final TokenStore STORE = new TokenStore(TOKENS);

    public static class TokensOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a small rate limit: each test uses tokens of its own, so only the rate limit test goes over it
            return Map.of(
                    "forgeline.auth.mode",
                    "tokens",
                    "forgeline.auth.tokens-file",
                    TOKENS.toString(),
                    "forgeline.auth.rate-limit.enabled",
                    "true",
                    "forgeline.auth.rate-limit.requests-per-second",
                    "0.5",
                    "forgeline.auth.rate-limit.burst",
                    "12");
        }
    }

    private static String token(String name, String role) {
        return STORE.create(name, List.of(role), List.of(), null).secret();
    }

    @Test
    void withoutAValidTokenEveryOperationAnswers401ButHealthAndOpenApiStayOpen() {
        given().get("/nodes")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"))
                .body("instance", equalTo("/nodes"));
        String unknown = TokenStore.newSecret();
        given().auth()
                .oauth2(unknown)
                .post("/dispatch/pause")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"))
                .body(not(containsString(unknown)));
        given().header("Authorization", "Basic YWRtaW46YWRtaW4=")
                .get("/tasks")
                .then()
                .statusCode(401);

        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void anyTokenReadsOnlyAnOperatorOperates() {
        String submitter = token("sub-" + unique(), Roles.SUBMITTER);
        String operator = token("op-" + unique(), Roles.OPERATOR);
        String node = "auth-missing-" + unique();

        given().auth().oauth2(submitter).get("/nodes").then().statusCode(200);
        given().auth().oauth2(submitter).get("/dispatch").then().statusCode(200);
        given().auth()
                .oauth2(submitter)
                .post("/nodes/" + node + "/cordon")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/forbidden"))
                .body("detail", containsString("operator"));
        given().auth().oauth2(submitter).post("/tasks/s/t/cancel").then().statusCode(403);
        given().auth()
                .oauth2(submitter)
                .post("/breakers/NODE/" + node + "/close")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(operator)
                .post("/breakers/NOPE/" + node + "/close")
                .then()
                .statusCode(404);
        // past the role check: the unknown node is the only fault left
        given().auth()
                .oauth2(operator)
                .post("/nodes/" + node + "/cordon")
                .then()
                .statusCode(404);
        String admin = token("admin-" + unique(), Roles.ADMIN);
        given().auth().oauth2(admin).post("/nodes/" + node + "/cordon").then().statusCode(404);
    }

    @Test
    void anActionIsAuditedUnderTheTokensNameAndOnlyOperatorsReadTheTrail() {
        String name = "audited-" + unique();
        String worker = token(name, Roles.WORKER);
        given().auth()
                .oauth2(worker)
                .contentType(ContentType.JSON)
                .body(registration(name))
                .post("/nodes")
                .then()
                .statusCode(200);
        String operatorName = "op-" + unique();
        String operator = token(operatorName, Roles.OPERATOR);
        given().auth()
                .oauth2(operator)
                .header("Forgeline-Reason", "kernel upgrade")
                .post("/nodes/" + name + "/drain")
                .then()
                .statusCode(200);

        given().auth()
                .oauth2(operator)
                .queryParam("target", name)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1))
                .body("[0].actor", equalTo(operatorName))
                .body("[0].roles", equalTo(List.of(Roles.OPERATOR)))
                .body("[0].action", equalTo("node.drain"))
                .body("[0].reason", equalTo("kernel upgrade"));
        given().auth()
                .oauth2(operator)
                .queryParam("actor", operatorName)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1));
        // the trail names people and their reasons: not for every token
        given().auth().oauth2(worker).get("/audit").then().statusCode(403);
        given().get("/audit").then().statusCode(401);
    }

    @Test
    void aWorkerTokenRegistersOnlyItsOwnNode() {
        String name = "auth-node-" + unique();
        String worker = token(name, Roles.WORKER);

        given().auth()
                .oauth2(worker)
                .contentType(ContentType.JSON)
                .body(registration("other-" + name))
                .post("/nodes")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/forbidden"))
                .body("detail", containsString("other-" + name));
        given().auth()
                .oauth2(worker)
                .contentType(ContentType.JSON)
                .body(registration(name))
                .post("/nodes")
                .then()
                .statusCode(200)
                .body("name", equalTo(name));
        // a worker is no operator
        given().auth().oauth2(worker).post("/nodes/" + name + "/drain").then().statusCode(403);
        // it reads its own lease feed, not another node's, and a submitter reads none
        given().auth().oauth2(worker).get("/nodes/" + name + "/leases").then().statusCode(200);
        given().auth()
                .oauth2(worker)
                .get("/nodes/other-" + name + "/leases")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/forbidden"));
        String submitter = token("submitter-" + unique(), Roles.SUBMITTER);
        given().auth()
                .oauth2(submitter)
                .get("/nodes/" + name + "/leases")
                .then()
                .statusCode(403);
    }

    @Test
    void aHeartbeatOfANodeThatNeverRegisteredIsRefusedOnlyItsRegisteredInstanceCounts() {
        String name = "unregistered-" + unique();
        String operator = token("op-" + unique(), Roles.OPERATOR);
        int refusedBefore = given().auth()
                .oauth2(operator)
                .get("/dispatcher/stats")
                .then()
                .statusCode(200)
                .extract()
                .path("refusedNodeHeartbeats");
        TestKafka kafka = TestKafka.forApplication();
        try {
            // any worker credential can write this record: the node must not appear
            Fixtures.publishNodeHeartbeat(kafka, name, "forged-" + name, Map.of(), 8);
            // polled once a second: the operator's token has a small rate limit here
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> given().auth()
                            .oauth2(operator)
                            .get("/dispatcher/stats")
                            .then()
                            .body("refusedNodeHeartbeats", equalTo(refusedBefore + 1)));
            given().auth()
                    .oauth2(operator)
                    .get("/nodes")
                    .then()
                    .statusCode(200)
                    .body("find { it.name == '" + name + "' }", org.hamcrest.Matchers.nullValue());

            // its own token registers it with the instance its heartbeats then name
            given().auth()
                    .oauth2(token(name, Roles.WORKER))
                    .contentType(ContentType.JSON)
                    .body(Map.of(
                            "name",
                            name,
                            "capacity",
                            2,
                            "labels",
                            Map.of(),
                            "agentProfiles",
                            List.of(),
                            "instanceId",
                            "real-" + name))
                    .post("/nodes")
                    .then()
                    .statusCode(200);
            Fixtures.publishNodeHeartbeat(kafka, name, "real-" + name, Map.of("zone", "a"), 2);
            String reader = token("op-" + unique(), Roles.OPERATOR);
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> given().auth()
                            .oauth2(reader)
                            .get("/nodes")
                            .then()
                            .body("find { it.name == '" + name + "' }.labels.zone", equalTo("a"))
                            .body("find { it.name == '" + name + "' }.instanceId", equalTo("real-" + name)));
        } finally {
            kafka.close();
        }
    }

    @Test
    void aNodesInstanceIsShownToOperatorsOnly() {
        String name = "instance-node-" + unique();
        given().auth()
                .oauth2(token(name, Roles.WORKER))
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "name",
                        name,
                        "capacity",
                        1,
                        "labels",
                        Map.of(),
                        "agentProfiles",
                        List.of(),
                        "instanceId",
                        "instance-of-" + name))
                .post("/nodes")
                .then()
                .statusCode(200);
        String operator = token("op-" + unique(), Roles.OPERATOR);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> given().auth()
                        .oauth2(operator)
                        .get("/nodes")
                        .then()
                        .statusCode(200)
                        .body("find { it.name == '" + name + "' }.instanceId", equalTo("instance-of-" + name)));
        // any other token reads the node, but not the instance a forged heartbeat would have to name
        for (String role : List.of(Roles.WORKER, Roles.SUBMITTER, Roles.REVIEWER)) {
            given().auth()
                    .oauth2(token(role + "-" + unique(), role))
                    .get("/nodes")
                    .then()
                    .statusCode(200)
                    .body("find { it.name == '" + name + "' }.status", equalTo("READY"))
                    .body("find { it.name == '" + name + "' }.instanceId", org.hamcrest.Matchers.nullValue());
        }
    }

    @Test
    void aFleetWorkerTokenSpeaksForAnyNodeButStaysAWorker() {
        String name = "fleet-pod-" + unique();
        String fleet =
                STORE.create("fleet", List.of(Roles.WORKER), List.of(), "*").secret();
        given().auth()
                .oauth2(fleet)
                .contentType(ContentType.JSON)
                .body(registration(name))
                .post("/nodes")
                .then()
                .statusCode(200)
                .body("name", equalTo(name));
        given().auth().oauth2(fleet).get("/nodes/" + name + "/leases").then().statusCode(200);
        given().auth().oauth2(fleet).post("/nodes/" + name + "/drain").then().statusCode(403);
    }

    @Test
    void aRevokedTokenIsRefusedAtTheNextRequestWithoutARestart() {
        String name = "revoked-" + unique();
        String operator = token(name, Roles.OPERATOR);
        given().auth().oauth2(operator).get("/breakers").then().statusCode(200);

        STORE.revoke(name);

        given().auth()
                .oauth2(operator)
                .get("/breakers")
                .then()
                .statusCode(401)
                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"));
    }

    @Test
    void aBrowserPostFromAnotherSiteIsRefused() {
        String operator = token("op-" + unique(), Roles.OPERATOR);
        given().auth()
                .oauth2(operator)
                .header("Origin", "https://evil.example")
                .post("/dispatch/resume")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/cross-origin-request"));
    }

    @Test
    void aTokenOverItsRateLimitIsRefusedWithoutEffectAndServedAgainAfterRetryAfter() {
        String name = "busy-" + unique();
        String busy = token(name, Roles.OPERATOR);
        String other = token("calm-" + unique(), Roles.OPERATOR);
        String reason = "rate-limit-" + unique() + "-";

        // each served pause replaces the pause reason: the refused one must leave the last served one in place
        int served = 0;
        Response refused = null;
        try {
            while (refused == null && served < 60) {
                Response response = given().auth()
                        .oauth2(busy)
                        .queryParam("reason", reason + served)
                        .post("/dispatch/pause");
                if (response.statusCode() == 429) {
                    refused = response;
                } else {
                    assertThat(response.statusCode()).isEqualTo(200);
                    served++;
                }
            }
            assertThat(refused)
                    .as("a 429 within 60 requests at 0.5/s with a burst of 12")
                    .isNotNull();
            assertThat(served).isGreaterThanOrEqualTo(12);
            refused.then()
                    .contentType("application/problem+json")
                    .header("Retry-After", matchesPattern("[12]"))
                    .body("type", equalTo("https://forgeline.dev/problems/rate-limited"))
                    .body("status", equalTo(429))
                    .body("instance", equalTo("/dispatch/pause"))
                    .body("detail", containsString("'" + name + "'"))
                    .body("detail", containsString("0.5 requests/s (burst 12)"))
                    .body(not(containsString(busy)));

            // another token is served meanwhile: the refused pause did not replace the last served one
            given().auth()
                    .oauth2(other)
                    .get("/dispatch")
                    .then()
                    .statusCode(200)
                    .body("reasons", hasItem(endsWith(reason + (served - 1))))
                    .body("reasons", not(hasItem(endsWith(reason + served))));

            // after Retry-After the token is served again, and the same pause now takes effect
            long retryAfter = Long.parseLong(refused.header("Retry-After"));
            String again = reason + served;
            await().pollDelay(Duration.ofSeconds(retryAfter))
                    .pollInterval(Duration.ofMillis(250))
                    .atMost(Duration.ofSeconds(retryAfter + 10))
                    .until(() -> given().auth()
                                    .oauth2(busy)
                                    .queryParam("reason", again)
                                    .post("/dispatch/pause")
                                    .statusCode()
                            == 200);
            given().auth()
                    .oauth2(other)
                    .get("/dispatch")
                    .then()
                    .statusCode(200)
                    .body("reasons", hasItem(endsWith(again)));
        } finally {
            given().auth().oauth2(other).post("/dispatch/resume").then().statusCode(200);
        }
    }

    @Test
    void anExpiredTokenIsRefusedSayingSoWithoutEchoingIt() throws Exception {
        String secret = TokenStore.newSecret();
        String name = "expired-" + unique();
        // the line as the store writes it for a token whose expiry has passed
        Files.writeString(
                TOKENS,
                "{\"id\":\"" + unique() + "\",\"name\":\"" + name + "\",\"hash\":\"" + TokenStore.hash(secret)
                        + "\",\"roles\":[\"operator\"],\"created\":\"2026-01-01T00:00:00Z\","
                        + "\"expiresAt\":\"2026-02-01T00:00:00Z\"}\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        String dated = STORE.create(
                        "dated-" + unique(),
                        List.of(Roles.OPERATOR),
                        List.of(),
                        null,
                        Instant.now().plus(Duration.ofDays(30)))
                .secret();

        given().auth()
                .oauth2(secret)
                .get("/breakers")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"))
                .body("detail", containsString("token expired"))
                .body("detail", containsString(name))
                .body(not(containsString(secret)));
        given().auth().oauth2(secret).post("/dispatch/resume").then().statusCode(401);
        // a token whose expiry is ahead is served
        given().auth().oauth2(dated).get("/breakers").then().statusCode(200);
    }

    private static Map<String, Object> registration(String name) {
        return Map.of("name", name, "capacity", 1, "labels", Map.of(), "agentProfiles", List.of());
    }
}
