package dev.forgeline.planner.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.planner.SpecFixtures;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who submitted a spec, with API tokens on: the caller's identity name is stored with the spec, shown on it and put
 * on every TaskReady (the review service's four-eyes rule reads it from there); a revision by someone else keeps
 * the spec's first submitter, but the tasks it adds or changes go out under the reviser's name.
 */
@QuarkusTest
@TestProfile(PlannerAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class PlannerSubmitterTest {
    private static Path repository;

    @BeforeAll
    static void repository() throws IOException {
        repository =
                GitFixture.repository(Files.createTempDirectory("submitter").resolve("repo"));
    }

    private static String token(String name) {
        return PlannerAuthTest.STORE
                .create(name, List.of(Roles.SUBMITTER), List.of(), null)
                .secret();
    }

    private static String spec(String name, String description) {
        return "# Spec: " + name + "\nBase-branch: main\n\n## Task: T1 - Add slugify\n" + description + "\n\n"
                + "Acceptance:\n- lowercases the input\n- replaces spaces with dashes\n"
                + "Test command: sh test/t1_test.sh\nEstimate: 10m\n";
    }

    private static String submit(String token, String markdown) {
        return given().auth()
                .oauth2(token)
                .contentType(SpecFixtures.MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(markdown)
                .post("/specs")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    @Test
    void theSubmitterIsStoredAndTravelsOnTaskReadyAndARevisedTaskCarriesItsReviser() {
        String name = "Submitted " + System.nanoTime();
        String ana = "ana-" + System.nanoTime();
        String id = submit(token(ana), spec(name, "Turn titles into URL slugs."));

        String reader = token("reader-" + System.nanoTime());
        given().auth()
                .oauth2(reader)
                .get("/specs/{id}", id)
                .then()
                .statusCode(200)
                .body("submittedBy", equalTo(ana));

        try (TestKafka kafka = TestKafka.forApplication()) {
            TaskReady first = kafka.await(
                            Topics.TASKS_READY,
                            e -> id.equals(e.specId())
                                    && e.payloadAs(TaskReady.class).revision() == 1,
                            1,
                            Duration.ofSeconds(60))
                    .get(0)
                    .payloadAs(TaskReady.class);
            assertThat(first.submittedBy()).isEqualTo(ana);

            // someone else revises the task: the spec stays the first submitter's, the changed task is the reviser's,
            // so four eyes keeps the reviser, not only the first submitter, from approving it
            String bob = "bob-" + System.nanoTime();
            String revised = submit(token(bob), spec(name, "Turn titles into URL slugs, keeping digits."));
            assertThat(revised).isEqualTo(id);
            given().auth()
                    .oauth2(reader)
                    .get("/specs/{id}", id)
                    .then()
                    .statusCode(200)
                    .body("revision", equalTo(2))
                    .body("submittedBy", equalTo(ana));
            TaskReady second = kafka.await(
                            Topics.TASKS_READY,
                            e -> id.equals(e.specId())
                                    && e.payloadAs(TaskReady.class).revision() == 2,
                            1,
                            Duration.ofSeconds(60))
                    .get(0)
                    .payloadAs(TaskReady.class);
            assertThat(second.submittedBy()).isEqualTo(bob);
        }
    }
}
