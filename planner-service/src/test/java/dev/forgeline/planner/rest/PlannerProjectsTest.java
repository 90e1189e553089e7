package dev.forgeline.planner.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.forgeline.planner.GitFixture;
import dev.forgeline.planner.SpecFixtures;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Project scoping in the planner, with API tokens on: where a spec's project comes from, who may submit into it,
 * and that a token sees (and answers decisions of) only the specs of its projects; another project's spec or
 * decision answers exactly like an unknown one.
 */
@QuarkusTest
@TestProfile(PlannerAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class PlannerProjectsTest {
    private static Path repository;

    @BeforeAll
    static void repository() throws IOException {
        repository = GitFixture.repository(Files.createTempDirectory("projects").resolve("repo"));
    }

    private static String token(List<String> roles, List<String> projects) {
        return PlannerAuthTest.STORE
                .create("p-" + System.nanoTime(), roles, projects, null)
                .secret();
    }

    /** A spec with one vague task (it waits for a decision), unique by name. */
    private static String vagueSpec(String header) {
        return "# Spec: Scoped " + System.nanoTime() + "\n" + header + "\n## Task: vague - Improve things\n"
                + "Make it better.\nTest command: sh test/all.sh\n";
    }

    private static ExtractableResponse<Response> submit(String token, String markdown, String projectParameter) {
        var request = given().auth()
                .oauth2(token)
                .contentType(SpecFixtures.MARKDOWN)
                .queryParam("repository", repository.toString());
        if (projectParameter != null) {
            request.queryParam("project", projectParameter);
        }
        return request.body(markdown).post("/specs").then().extract();
    }

    private static String submitted(String token, String markdown, String projectParameter, String project) {
        ExtractableResponse<Response> response = submit(token, markdown, projectParameter);
        assertEquals(201, response.statusCode(), response.asString());
        assertEquals(project, response.path("project"));
        return response.path("id");
    }

    @Test
    void theProjectComesFromTheFieldTheParameterOrTheDefault() {
        String all = token(List.of(Roles.SUBMITTER), List.of());
        String byField = submitted(all, vagueSpec("Project: shop"), null, "shop");
        String byParameter = submitted(all, vagueSpec(""), "shop-2", "shop-2");
        String bothAlike = submitted(all, vagueSpec("Project: shop"), "shop", "shop");
        String byDefault = submitted(all, vagueSpec(""), null, "default");
        given().auth()
                .oauth2(all)
                .get("/specs/{id}", byField)
                .then()
                .statusCode(200)
                .body("project", equalTo("shop"));
        given().auth()
                .oauth2(all)
                .get("/specs")
                .then()
                .statusCode(200)
                .body("find { it.id == '" + byParameter + "' }.project", equalTo("shop-2"))
                .body("find { it.id == '" + bothAlike + "' }.project", equalTo("shop"))
                .body("find { it.id == '" + byDefault + "' }.project", equalTo("default"));
    }

    @Test
    void anInvalidOrConflictingProjectIs400NamingTheField() {
        String all = token(List.of(Roles.SUBMITTER), List.of());
        ExtractableResponse<Response> badField = submit(all, vagueSpec("Project: Shop_1"), null);
        assertEquals(400, badField.statusCode(), badField.asString());
        assertEquals("application/problem+json", badField.contentType());
        assertEquals("Project", badField.path("errors[0].field"));
        assertEquals(2, (int) badField.path("errors[0].line"));
        ExtractableResponse<Response> badParameter = submit(all, vagueSpec(""), "-x");
        assertEquals(400, badParameter.statusCode(), badParameter.asString());
        assertEquals("project", badParameter.path("errors[0].field"));
        ExtractableResponse<Response> tooLong = submit(all, vagueSpec(""), "a".repeat(64));
        assertEquals(400, tooLong.statusCode(), tooLong.asString());
        ExtractableResponse<Response> conflict = submit(all, vagueSpec("Project: shop"), "other");
        assertEquals(400, conflict.statusCode(), conflict.asString());
        assertEquals(List.of("Project", "project"), conflict.path("errors.field"));
        org.hamcrest.MatcherAssert.assertThat(conflict.path("detail"), containsString("shop"));
        org.hamcrest.MatcherAssert.assertThat(conflict.path("detail"), containsString("other"));
    }

    @Test
    void submittingIntoAProjectTheTokenDoesNotCarryIs403NamingIt() {
        String onlyA = token(List.of(Roles.SUBMITTER), List.of("a"));
        ExtractableResponse<Response> foreign = submit(onlyA, vagueSpec("Project: b"), null);
        assertEquals(403, foreign.statusCode(), foreign.asString());
        assertEquals("https://forgeline.dev/problems/forbidden", foreign.path("type"));
        org.hamcrest.MatcherAssert.assertThat(foreign.path("detail"), containsString("project 'b'"));
        // the default project is a project like any other
        assertEquals(403, submit(onlyA, vagueSpec(""), null).statusCode());
        submitted(onlyA, vagueSpec(""), "a", "a");
    }

    @Test
    void aTokenSeesAndAnswersOnlyItsProjectsSpecsAndDecisions() {
        String submitter = token(List.of(Roles.SUBMITTER), List.of());
        String specA = submitted(submitter, vagueSpec("Project: a"), null, "a");
        String specB = submitted(submitter, vagueSpec("Project: b"), null, "b");
        String operatorA = token(List.of(Roles.OPERATOR), List.of("a"));
        String operatorAll = token(List.of(Roles.OPERATOR), List.of("*"));

        // one spec of another project answers exactly as an unknown one
        ExtractableResponse<Response> foreign = given().auth()
                .oauth2(operatorA)
                .get("/specs/{id}", specB)
                .then()
                .extract();
        ExtractableResponse<Response> unknown = given().auth()
                .oauth2(operatorA)
                .get("/specs/{id}", specB + "-x")
                .then()
                .extract();
        assertEquals(404, foreign.statusCode());
        assertEquals(unknown.statusCode(), foreign.statusCode());
        assertEquals(unknown.contentType(), foreign.contentType());
        assertEquals(unknown.<String>path("type"), foreign.<String>path("type"));
        assertEquals(unknown.<String>path("title"), foreign.<String>path("title"));
        assertEquals(((String) unknown.path("detail")).replace(specB + "-x", specB), foreign.path("detail"));
        given().auth().oauth2(operatorA).get("/specs/{id}", specA).then().statusCode(200);

        // lists hold the caller's projects only
        given().auth()
                .oauth2(operatorA)
                .get("/specs")
                .then()
                .statusCode(200)
                .body("id", hasItem(specA))
                .body("id", not(hasItem(specB)))
                .body("project", not(hasItem("b")));
        given().auth().oauth2(operatorAll).get("/specs").then().body("id", hasItems(specA, specB));

        String decisionA = decisionOf(operatorAll, specA);
        String decisionB = decisionOf(operatorAll, specB);
        given().auth()
                .oauth2(operatorA)
                .queryParam("all", true)
                .get("/decisions")
                .then()
                .statusCode(200)
                .body("id", hasItem(decisionA))
                .body("id", not(hasItem(decisionB)));
        ExtractableResponse<Response> foreignDecision = given().auth()
                .oauth2(operatorA)
                .get("/decisions/{id}", decisionB)
                .then()
                .extract();
        assertEquals(404, foreignDecision.statusCode());
        assertEquals("decision '" + decisionB + "' does not exist", foreignDecision.path("detail"));
        given().auth()
                .oauth2(operatorA)
                .get("/decisions/{id}", "00000000-0000-0000-0000-000000000000")
                .then()
                .statusCode(404)
                .body("type", equalTo(foreignDecision.<String>path("type")));

        // answering another project's decision is 404 and changes nothing; its own is answered
        Map<String, String> override = Map.of("action", "override", "reason", "known code base");
        given().auth()
                .oauth2(operatorA)
                .contentType("application/json")
                .body(override)
                .post("/decisions/{id}", decisionB)
                .then()
                .statusCode(404)
                .body("detail", equalTo("decision '" + decisionB + "' does not exist"));
        given().auth()
                .oauth2(operatorAll)
                .get("/decisions/{id}", decisionB)
                .then()
                .statusCode(200)
                .body("decidedAt", equalTo(null));
        given().auth()
                .oauth2(operatorA)
                .contentType("application/json")
                .body(override)
                .post("/decisions/{id}", decisionA)
                .then()
                .statusCode(200)
                .body("outcome", equalTo("OVERRIDDEN"));
        given().auth()
                .oauth2(operatorAll)
                .contentType("application/json")
                .body(override)
                .post("/decisions/{id}", decisionB)
                .then()
                .statusCode(200);
    }

    private static String decisionOf(String token, String spec) {
        return given().auth()
                .oauth2(token)
                .get("/decisions")
                .then()
                .statusCode(200)
                .extract()
                .path("find { it.specId == '" + spec + "' }.id");
    }
}
