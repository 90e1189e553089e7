package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.SessionCsrf;
import dev.forgeline.support.auth.TokenStore;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review service with API tokens on: roles on the JSON API, and the review pages' sign-in, session cookie,
 * CSRF token, origin check and framing headers; a decision is recorded under the signed-in identity.
 */
@QuarkusTest
@TestProfile(ReviewAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class ReviewAuthTest {
    static final Path TOKENS = Path.of("target", "auth-test", "tokens").toAbsolutePath();
    static final TokenStore STORE = new TokenStore(TOKENS);
    private static TestKafka kafka;

    @TempDir
    Path tmp;

    public static class TokensOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a rate limit that hardly refills: each test uses tokens of its own and stays within the burst, so
            // only the rate limit test goes over it (that the bucket refills is the dispatcher auth test's part)
            return Map.of(
                    "forgeline.auth.mode",
                    "tokens",
                    "forgeline.auth.tokens-file",
                    TOKENS.toString(),
                    "forgeline.auth.rate-limit.enabled",
                    "true",
                    "forgeline.auth.rate-limit.requests-per-second",
                    "0.01",
                    "forgeline.auth.rate-limit.burst",
                    "20");
        }
    }

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static String token(String name, String role) {
        return STORE.create(name, List.of(role), List.of(), null).secret();
    }

    private static String origin() {
        return "http://localhost:" + RestAssured.port;
    }

    @Test
    void theJsonApiAsksForATokenAndTheRightRole() {
        given().get("/reviews/pending")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"));
        String submitter = token("sub-" + Events.uniqueSpec("a"), Roles.SUBMITTER);
        given().auth().oauth2(submitter).get("/reviews/pending").then().statusCode(200);
        given().auth()
                .oauth2(submitter)
                .contentType("application/json")
                .body("{\"comment\":\"no\"}")
                .post("/reviews/{s}/{t}/reject", "nope", "T1")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/forbidden"))
                .body("detail", containsString("reviewer"));
        given().auth()
                .oauth2(submitter)
                .contentType("application/json")
                .body("{\"dailyCapacity\":3}")
                .put("/reviews/backlog")
                .then()
                .statusCode(403);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void withoutSingleSignOnTheSignInPageOffersNoneAndItsPathSignsNoOneIn() {
        given().get("/ui/sign-in").then().statusCode(200).body(not(containsString("id=\"sso\"")));
        Response answer = given().redirects().follow(false).get("/ui/sign-in/sso");
        assertThat(answer.statusCode()).as(answer.asString()).isBetween(300, 499);
        assertThat(answer.getHeader("Set-Cookie")).isNull();
    }

    @Test
    void aPersonSignsInWithATokenAndDecidesUnderTheirOwnNameThroughCheckedForms() {
        String spec = Events.uniqueSpec("signin");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt auth = repo.attemptBranch(
                spec, "T1", 1, "src/main/java/com/acme/auth/Gate.java", "package com.acme.auth;\n\nclass Gate {\n}\n");
        Served.serve(repo, "signin");
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 511, 1, repo, auth));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 511));
        Events.awaitOutcome(kafka, spec, TaskState.IN_REVIEW);

        // no session: to the sign-in form, which may not be framed
        given().redirects()
                .follow(false)
                .get("/ui/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(303)
                .header("Location", endsWith("/ui/sign-in"));
        given().get("/ui/sign-in")
                .then()
                .statusCode(200)
                .header("X-Frame-Options", "DENY")
                .header("Content-Security-Policy", PageAttackBrowserTest.PAGE_POLICY);

        // a wrong token signs no one in
        given().redirects()
                .follow(false)
                .header("Origin", origin())
                .formParam("token", TokenStore.newSecret())
                .post("/ui/sign-in")
                .then()
                .statusCode(401)
                .body(containsString("unknown or revoked"));

        String name = "rita-" + spec;
        String reviewer = token(name, Roles.REVIEWER);
        Response signedIn = given().redirects()
                .follow(false)
                .header("Origin", origin())
                .formParam("token", reviewer)
                .post("/ui/sign-in");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        String setCookie = signedIn.header("Set-Cookie");
        assertThat(setCookie)
                .startsWith("forgeline_session=")
                .containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("SameSite=Strict")
                .contains("Path=/ui");
        String session = signedIn.cookie("forgeline_session");
        String csrf = SessionCsrf.tokenFor(session);

        // the page shows who decides and carries the session's CSRF token; there is no name field
        given().cookie("forgeline_session", session)
                .get("/ui/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .header("X-Frame-Options", "DENY")
                .body(containsString("id=\"signed-in-as\">" + name + "<"))
                .body(containsString("name=\"csrf\" value=\"" + csrf + "\""))
                .body(not(containsString("name=\"reviewer\"")));

        // a form without the CSRF token, from another site, or with no origin at all changes nothing
        given().cookie("forgeline_session", session)
                .header("Origin", origin())
                .formParam("decision", "approve")
                .post("/ui/reviews/{s}/{t}/decision", spec, "T1")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("csrf"));
        given().cookie("forgeline_session", session)
                .header("Origin", "https://evil.example")
                .formParam("decision", "approve")
                .formParam("csrf", csrf)
                .post("/ui/reviews/{s}/{t}/decision", spec, "T1")
                .then()
                .statusCode(403)
                .body("type", equalTo("https://forgeline.dev/problems/cross-origin-request"));
        given().cookie("forgeline_session", session)
                .formParam("decision", "approve")
                .formParam("csrf", csrf)
                .post("/ui/reviews/{s}/{t}/decision", spec, "T1")
                .then()
                .statusCode(403)
                .body("type", equalTo("https://forgeline.dev/problems/cross-origin-request"));
        given().auth()
                .oauth2(reviewer)
                .get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("PENDING"));

        // the real form: recorded under the token's name, whatever name the form claims
        given().redirects()
                .follow(false)
                .cookie("forgeline_session", session)
                .header("Origin", origin())
                .formParam("decision", "request-changes")
                .formParam("comment", "tighten the gate")
                .formParam("reviewer", "someone-else")
                .formParam("csrf", csrf)
                .post("/ui/reviews/{s}/{t}/decision", spec, "T1")
                .then()
                .statusCode(303);
        ReviewOutcome sentBack = Events.awaitOutcome(kafka, spec, TaskState.FAILED);
        assertThat(sentBack.reviewer()).isEqualTo(name);

        // the audit trail names the signed-in person and keeps the form's comment as the reason; only operators
        // read it
        given().auth().oauth2(reviewer).get("/audit").then().statusCode(403);
        String operator = token("op-" + spec, Roles.OPERATOR);
        given().auth()
                .oauth2(operator)
                .queryParam("target", spec + "/T1")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].actor", equalTo(name))
                .body("[0].roles", equalTo(List.of(Roles.REVIEWER)))
                .body("[0].action", equalTo("review.request-changes"))
                .body("[0].reason", equalTo("tighten the gate"))
                .body("[0].details.reviewer", equalTo(name))
                .body("[0].details.via", equalTo("review page"));
    }

    @Test
    void aFormPostOverTheSessionTokensRateLimitIsRefusedAndDecidesNothing() {
        String spec = Events.uniqueSpec("limited");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(
                spec, "T1", 1, "src/main/java/com/acme/Limit.java", "package com.acme;\n\nclass Limit {\n}\n");
        Served.serve(repo, "limited");
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 512, 1, repo, attempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 512));
        Events.awaitOutcome(kafka, spec, TaskState.IN_REVIEW);

        String name = "busy-" + spec;
        String reviewer = token(name, Roles.REVIEWER);
        String session = given().redirects()
                .follow(false)
                .header("Origin", origin())
                .formParam("token", reviewer)
                .post("/ui/sign-in")
                .cookie("forgeline_session");
        // the session is the token: its reads use up the bucket the form shares
        int served = 0;
        while (served < 40
                && given().auth().oauth2(reviewer).get("/reviews/pending").statusCode() == 200) {
            served++;
        }
        assertThat(served).isBetween(20, 21);

        given().redirects()
                .follow(false)
                .cookie("forgeline_session", session)
                .header("Origin", origin())
                .formParam("decision", "request-changes")
                .formParam("comment", "too fast")
                .formParam("csrf", SessionCsrf.tokenFor(session))
                .post("/ui/reviews/{s}/{t}/decision", spec, "T1")
                .then()
                .statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("type", equalTo("https://forgeline.dev/problems/rate-limited"))
                .body("detail", containsString("'" + name + "'"))
                .body(not(containsString(reviewer)));

        // another token is served, and the review is still open
        String other = token("calm-" + spec, Roles.REVIEWER);
        given().auth()
                .oauth2(other)
                .get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("PENDING"));
    }
}
