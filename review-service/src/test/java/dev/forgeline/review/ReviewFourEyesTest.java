package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Path;
import java.util.List;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.SessionCsrf;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four-eyes rule, with API tokens on: the identity that submitted a spec may not approve a level 3 change of it
 * (the JSON API and the review page's form answer 403 and the review stays PENDING), while another reviewer may;
 * the submitter may still request changes, and may approve a level 2 change.
 */
@QuarkusTest
@TestProfile(ReviewAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class ReviewFourEyesTest {
    private static final String FOUR_EYES = "https://forgeline.dev/problems/four-eyes-required";

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

    /** A reviewer token named {@code name}: one per step, as the test profile's rate limit hardly refills. */
    private static String reviewer(String name) {
        return ReviewAuthTest.STORE
                .create(name, List.of(Roles.REVIEWER, Roles.SUBMITTER), List.of("*"), null)
                .secret();
    }

    /** A migration: level 3. */
    private String pendingMigration(String spec, String submitter, long fencingToken) {
        return pending(
                spec,
                submitter,
                fencingToken,
                "src/main/resources/db/migration/V2__add_total.sql",
                "ALTER TABLE orders ADD COLUMN total NUMERIC;\n",
                3);
    }

    /** An auth path: level 2. */
    private String pendingAuthChange(String spec, String submitter, long fencingToken) {
        return pending(
                spec,
                submitter,
                fencingToken,
                "src/main/java/com/acme/auth/Gate.java",
                "package com.acme.auth;\n\nclass Gate {\n}\n",
                2);
    }

    private String pending(String spec, String submitter, long fencingToken, String file, String content, int level) {
        GitRepo repo = GitRepo.init(tmp.resolve(spec));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", 1, file, content);
        Served.serve(repo, "four-eyes");
        TaskResult r = Events.succeeded(spec, "T1", fencingToken, 1, repo, attempt);
        TaskResult submitted = r.withOwner(r.project(), submitter);
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", submitted);
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", fencingToken));
        assertThat(Events.awaitOutcome(kafka, spec, TaskState.IN_REVIEW).level())
                .isEqualTo(level);
        return spec;
    }

    @Test
    void theSubmitterCannotApproveALevel3ChangeOfTheirOwnSpecButAnotherReviewerCan() {
        String spec = Events.uniqueSpec("four-eyes");
        String ana = "ana-" + spec;
        pendingMigration(spec, ana, 711);

        given().auth()
                .oauth2(reviewer(ana))
                .contentType("application/json")
                .body("{\"comment\":\"looks fine to me\",\"reviewer\":\"someone-else\"}")
                .post("/reviews/{s}/T1/approve", spec)
                .then()
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo(FOUR_EYES))
                .body("detail", containsString("four-eyes rule"))
                .body("detail", containsString("'" + ana + "'"))
                .body("errors[0].field", equalTo("reviewer"));
        given().auth()
                .oauth2(reviewer("bob-" + spec))
                .get("/reviews/{s}/T1", spec)
                .then()
                .statusCode(200)
                .body("state", equalTo("PENDING"))
                .body("submittedBy", equalTo(ana))
                .body("decidedBy", equalTo(null));

        // the review page's form: the error on the page, and still PENDING
        // a second token of the same identity name: the rule is about the identity, not one token
        String sameName = reviewer(ana);
        Response signedIn = given().redirects()
                .follow(false)
                .header("Origin", origin())
                .formParam("token", sameName)
                .post("/ui/sign-in");
        assertThat(signedIn.statusCode()).isEqualTo(303);
        String session = signedIn.cookie("forgeline_session");
        given().redirects()
                .follow(false)
                .cookie("forgeline_session", session)
                .header("Origin", origin())
                .formParam("decision", "approve")
                .formParam("comment", "mine, approved")
                .formParam("csrf", SessionCsrf.tokenFor(session))
                .post("/ui/reviews/{s}/{t}/decision", spec, "T1")
                .then()
                .statusCode(403)
                .contentType(containsString("text/html"))
                .body(containsString("id=\"error\""))
                .body(containsString("four-eyes rule"))
                .body(containsString("id=\"submitted-by\">" + ana + "<"));
        String bob = reviewer("bob2-" + spec);
        given().auth()
                .oauth2(bob)
                .get("/reviews/{s}/T1", spec)
                .then()
                .statusCode(200)
                .body("state", equalTo("PENDING"));

        // another reviewer approves: merged, under their name
        String approver = "carla-" + spec;
        given().auth()
                .oauth2(reviewer(approver))
                .contentType("application/json")
                .body("{\"comment\":\"second pair of eyes\"}")
                .post("/reviews/{s}/T1/approve", spec)
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"));
        ReviewOutcome merged = Events.awaitOutcome(kafka, spec, TaskState.MERGED);
        assertThat(merged.reviewer()).isEqualTo(approver);
    }

    @Test
    void theSubmitterMayRequestChangesOnALevel3ChangeAndApproveALevel2One() {
        String spec = Events.uniqueSpec("four-eyes-rc");
        String ana = "ana-" + spec;
        pendingMigration(spec, ana, 721);
        given().auth()
                .oauth2(reviewer(ana))
                .contentType("application/json")
                .body("{\"comment\":\"add a default\"}")
                .post("/reviews/{s}/T1/request-changes", spec)
                .then()
                .statusCode(200)
                .body("state", equalTo("CHANGES_REQUESTED"));

        String level2 = Events.uniqueSpec("four-eyes-l2");
        String dan = "dan-" + level2;
        pendingAuthChange(level2, dan, 722);
        given().auth()
                .oauth2(reviewer(dan))
                .contentType("application/json")
                .body("{\"comment\":\"small\"}")
                .post("/reviews/{s}/T1/approve", level2)
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"));
        assertThat(Events.awaitOutcome(kafka, level2, TaskState.MERGED).reviewer())
                .isEqualTo(dan);
    }

    @Test
    void aLevel3ChangeWhoseSubmitterIsUnknownMayBeApprovedByAnyReviewer() {
        String spec = Events.uniqueSpec("four-eyes-unknown");
        pendingMigration(spec, null, 731);
        String erin = "erin-" + spec;
        given().auth()
                .oauth2(reviewer(erin))
                .contentType("application/json")
                .body("{\"comment\":\"from before submitters were recorded\"}")
                .post("/reviews/{s}/T1/approve", spec)
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"));
    }

    private static String origin() {
        return "http://localhost:" + RestAssured.port;
    }
}
