package dev.forgeline.planner.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.forgeline.planner.GitFixture;
import dev.forgeline.planner.SpecFixtures;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.TokenStore;
import dev.forgeline.testsupport.ForgelineInfraResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

/**
 * The planner with API tokens on: who may submit and lint specs and answer decisions, and a browser's cross-origin
 * {@code text/plain} post (a request that needs no CORS preflight) refused before anything is read.
 */
@QuarkusTest
@TestProfile(PlannerAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class PlannerAuthTest {
    static final Path TOKENS = Path.of("target", "auth-test", "tokens").toAbsolutePath();
    static final TokenStore STORE = new TokenStore(TOKENS);

    public static class TokensOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("forgeline.auth.mode", "tokens", "forgeline.auth.tokens-file", TOKENS.toString());
        }
    }

    private static String token(String role) {
        return STORE.create(role + "-" + System.nanoTime(), List.of(role), List.of(), null)
                .secret();
    }

    @Test
    void readingNeedsATokenAndSubmittingTheSubmitterRole() {
        given().get("/specs")
                .then()
                .statusCode(401)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"));
        String reviewer = token(Roles.REVIEWER);
        given().auth().oauth2(reviewer).get("/specs").then().statusCode(200);
        given().auth()
                .oauth2(reviewer)
                .contentType(SpecFixtures.MARKDOWN)
                .body(SpecFixtures.THREE_TASKS)
                .post("/specs")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/forbidden"))
                .body("detail", containsString("submitter"));
        given().auth()
                .oauth2(token(Roles.SUBMITTER))
                .contentType("application/json")
                .body("{\"action\":\"CANCEL\",\"decidedBy\":\"x\",\"reason\":\"y\"}")
                .post("/decisions/{id}", "00000000-0000-0000-0000-000000000000")
                .then()
                .statusCode(403);
    }

    @Test
    void aCrossOriginTextPlainPostIsRefusedASameOriginOneIsServed() {
        String submitter = token(Roles.SUBMITTER);
        given().auth()
                .oauth2(submitter)
                .header("Origin", "https://attacker.example")
                .contentType("text/plain")
                .body(SpecFixtures.THREE_TASKS)
                .post("/specs")
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://forgeline.dev/problems/cross-origin-request"))
                .body("detail", containsString("https://attacker.example"));
        given().auth()
                .oauth2(submitter)
                .header("Origin", "http://localhost:" + RestAssured.port)
                .contentType("text/plain")
                .body(SpecFixtures.THREE_TASKS)
                .post("/specs/lint")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true));
    }

    @Test
    void aDecisionIsRecordedUnderTheTokensNameNotTheBodysDecidedBy() throws IOException {
        Path repository =
                GitFixture.repository(Files.createTempDirectory("auth-decision").resolve("repo"));
        String submitterName = "sub-" + System.nanoTime();
        String submitter = STORE.create(submitterName, List.of(Roles.SUBMITTER), List.of(), null)
                .secret();
        String spec = given().auth()
                .oauth2(submitter)
                .contentType(SpecFixtures.MARKDOWN)
                .queryParam("repository", repository.toString())
                .body("""
                        # Spec: Audited decisions
                        ## Task: vague - Improve things
                        Make it better.
                        Test command: sh test/all.sh
                        """)
                .post("/specs")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String operatorName = "op-" + System.nanoTime();
        String operator = STORE.create(operatorName, List.of(Roles.OPERATOR), List.of(), null)
                .secret();
        String decision = given().auth()
                .oauth2(operator)
                .get("/decisions")
                .then()
                .statusCode(200)
                .extract()
                .path("find { it.specId == '" + spec + "' }.id");

        // no decidedBy needed, and a claimed one is ignored
        given().auth()
                .oauth2(operator)
                .contentType("application/json")
                .body(Map.of("action", "override", "reason", "a known code base", "decidedBy", "someone-else"))
                .post("/decisions/{id}", decision)
                .then()
                .statusCode(200)
                .body("decidedBy", equalTo(operatorName));

        given().auth()
                .oauth2(operator)
                .queryParam("target", decision)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1))
                .body("[0].actor", equalTo(operatorName))
                .body("[0].action", equalTo("decision.answer"))
                .body("[0].reason", equalTo("a known code base"))
                .body("[0].details.action", equalTo("override"))
                .body("[0].details.decidedBy", equalTo(operatorName))
                .body("[0].details.outcome", equalTo("OVERRIDDEN"));
        given().auth()
                .oauth2(operator)
                .queryParam("action", "spec.submit")
                .queryParam("target", spec)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1))
                .body("[0].actor", equalTo(submitterName))
                .body("[0].details.name", equalTo("Audited decisions"));
        given().auth().oauth2(submitter).get("/audit").then().statusCode(403);
    }
}
