package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import java.nio.file.Path;
import java.util.List;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Project scoping in the review service, with API tokens on: a review learns its project from its TaskResult; a
 * token sees and decides only the reviews and merges of its projects (the JSON API and the review page), and
 * another project's review or merge answers exactly like an unknown one.
 */
@QuarkusTest
@TestProfile(ReviewAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class ReviewProjectsTest {
    private static TestKafka kafka;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    /** A reviewer token of its own per step: the test profile's rate limit hardly refills. */
    private static String reviewer(String... projects) {
        return ReviewAuthTest.STORE
                .create("projects-" + Events.uniqueSpec("r"), List.of(Roles.REVIEWER), List.of(projects), null)
                .secret();
    }

    /** A level 2 change (an auth path) of a task of {@code project}: it waits for a person. */
    private String pendingReview(String spec, String project, long fencingToken) {
        GitRepo repo = GitRepo.init(tmp.resolve(spec));
        GitRepo.Attempt attempt = repo.attemptBranch(
                spec, "T1", 1, "src/main/java/com/acme/auth/Gate.java", "package com.acme.auth;\n\nclass Gate {\n}\n");
        Served.serve(repo, "projects");
        TaskResult r = Events.succeeded(spec, "T1", fencingToken, 1, repo, attempt);
        TaskResult scoped = r.withOwner(project, null);
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", scoped);
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", fencingToken));
        Events.awaitOutcome(kafka, spec, TaskState.IN_REVIEW);
        return spec;
    }

    @Test
    void aTokenSeesAndDecidesOnlyTheReviewsAndMergesOfItsProjects() {
        String specA = pendingReview(Events.uniqueSpec("proj-a"), "a", 611);
        String specB = pendingReview(Events.uniqueSpec("proj-b"), "b", 612);
        String specB2 = pendingReview(Events.uniqueSpec("proj-b2"), "b", 613);

        String onlyA = reviewer("a");
        ExtractableResponse<Response> foreign = given().auth()
                .oauth2(onlyA)
                .get("/reviews/{s}/T1", specB)
                .then()
                .extract();
        ExtractableResponse<Response> unknown = given().auth()
                .oauth2(onlyA)
                .get("/reviews/{s}/T1", specB + "-x")
                .then()
                .extract();
        assertThat(foreign.statusCode()).isEqualTo(404).isEqualTo(unknown.statusCode());
        assertThat(foreign.contentType()).isEqualTo(unknown.contentType());
        assertThat(foreign.<String>path("type")).isEqualTo(unknown.path("type"));
        assertThat(foreign.<String>path("detail"))
                .isEqualTo(unknown.<String>path("detail").replace(specB + "-x", specB));
        given().auth().oauth2(onlyA).get("/reviews/{s}/T1", specA).then().statusCode(200);
        given().auth()
                .oauth2(onlyA)
                .get("/reviews/pending")
                .then()
                .statusCode(200)
                .body("specId", hasItem(specA))
                .body("specId", not(hasItem(specB)));
        given().auth().oauth2(onlyA).get("/reviews").then().statusCode(200).body("specId", not(hasItem(specB)));

        // deciding another project's review is 404 and changes nothing
        for (String action : List.of("approve", "reject", "request-changes")) {
            given().auth()
                    .oauth2(onlyA)
                    .contentType("application/json")
                    .body("{\"comment\":\"not yours\"}")
                    .post("/reviews/{s}/T1/" + action, specB)
                    .then()
                    .statusCode(404)
                    .body("detail", equalTo("no review of task " + specB + "/T1"));
        }
        String all = reviewer("*");
        given().auth()
                .oauth2(all)
                .get("/reviews/{s}/T1", specB)
                .then()
                .statusCode(200)
                .body("state", equalTo("PENDING"));
        given().auth()
                .oauth2(all)
                .get("/reviews/pending")
                .then()
                .statusCode(200)
                .body("specId", hasItems(specA, specB, specB2));
        given().auth()
                .oauth2(onlyA)
                .contentType("application/json")
                .body("{\"comment\":\"tighten the gate\"}")
                .post("/reviews/{s}/T1/request-changes", specA)
                .then()
                .statusCode(200)
                .body("state", equalTo("CHANGES_REQUESTED"));

        // a merge of project b: invisible to the token of a, revertable by the token that sees it
        String mergeId = given().auth()
                .oauth2(all)
                .contentType("application/json")
                .body("{\"comment\":\"fine\"}")
                .post("/reviews/{s}/T1/approve", specB)
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"))
                .extract()
                .path("mergeId");
        String onlyA2 = reviewer("a");
        given().auth().oauth2(onlyA2).get("/merges").then().statusCode(200).body("mergeId", not(hasItem(mergeId)));
        given().auth()
                .oauth2(onlyA2)
                .get("/merges/{id}", mergeId)
                .then()
                .statusCode(404)
                .body("detail", equalTo("no merge " + mergeId));
        given().auth()
                .oauth2(onlyA2)
                .contentType("application/json")
                .body("{\"reason\":\"not yours\"}")
                .post("/merges/{id}/revert", mergeId)
                .then()
                .statusCode(404)
                .body("detail", equalTo("no merge " + mergeId));
        String onlyB = reviewer("b");
        given().auth().oauth2(onlyB).get("/merges").then().statusCode(200).body("mergeId", hasItem(mergeId));
        given().auth()
                .oauth2(onlyB)
                .get("/merges/{id}", mergeId)
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"));

        // the review page: a person signed in for project a sees neither b's review nor it in the queue
        String onlyA3 = reviewer("a");
        Response signedIn = given().redirects()
                .follow(false)
                .header("Origin", "http://localhost:" + RestAssured.port)
                .formParam("token", onlyA3)
                .post("/ui/sign-in");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        String session = signedIn.cookie("forgeline_session");
        given().cookie("forgeline_session", session)
                .get("/ui/reviews/{s}/T1", specB2)
                .then()
                .statusCode(404);
        String queue = given().cookie("forgeline_session", session)
                .get("/ui/reviews")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(queue).contains(specA).doesNotContain(specB2).doesNotContain(specB);
        given().auth().oauth2(onlyB).get("/reviews/{s}/T1", specB2).then().statusCode(200);
    }
}
