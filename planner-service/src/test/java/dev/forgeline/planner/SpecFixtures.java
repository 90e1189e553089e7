package dev.forgeline.planner;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;

import io.restassured.http.ContentType;

/** Specs and calls shared by the application tests. */
public final class SpecFixtures {
    /** No charset parameter: the planner reads spec text as UTF-8 (the em dash of T3 checks it). */
    public static final String MARKDOWN = "text/markdown";

    /** T1 and T2 are independent; T3 depends on both. */
    public static final String THREE_TASKS = """
            # Spec: Text kit utilities
            Base-branch: main

            Small string helpers.

            ## Task: T1 - Add slugify
            Turn titles into URL slugs.

            Acceptance:
            - lowercases the input
            - replaces spaces with dashes
            Test command: sh test/t1_test.sh
            Estimate: 10m

            ## Task: T2 - Add truncate
            Acceptance: cuts at 80 characters
            Test command: sh test/t2_test.sh

            ## Task: T3 — Combine
            Depends-on: T1, T2
            Acceptance: both functions are used together
            Test command: sh test/t3_test.sh
            Estimate: 5m
            Priority: 5
            Labels: os=linux, jdk=17
            Agent: simulated
            """;

    private SpecFixtures() {}

    /** Submits {@link #THREE_TASKS} for {@code repository} and returns the new spec's id. */
    public static String createThreeTaskSpec(String repository) {
        return given().contentType(MARKDOWN)
                .queryParam("repository", repository)
                .body(utf8(THREE_TASKS))
                .when()
                .post("/specs")
                .then()
                .statusCode(201)
                .contentType(ContentType.JSON)
                .extract()
                .path("id");
    }

    /** The spec's bytes as sent, so the client does not re-encode text in its own default charset. */
    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The state of one task as GET /specs/{id} shows it. */
    public static String stateOf(String specId, String taskId) {
        return given().get("/specs/" + specId)
                .then()
                .statusCode(200)
                .extract()
                .path("tasks.find { it.taskId == '" + taskId + "' }.state");
    }
}
