package dev.forgeline.planner.messaging;

import static dev.forgeline.planner.SpecFixtures.MARKDOWN;
import static dev.forgeline.planner.SpecFixtures.THREE_TASKS;
import static dev.forgeline.planner.SpecFixtures.stateOf;
import static dev.forgeline.planner.SpecFixtures.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.ProposalOrigin;
import dev.forgeline.contracts.TaskCommandKind;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskCommand;
import dev.forgeline.contracts.payload.TaskProposal;
import dev.forgeline.contracts.payload.TaskReady;
import dev.forgeline.planner.GitFixture;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Spec revisions, Idempotency-Key, and proposed tasks over the real broker. */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class RevisionAndProposalTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private Path repository;
    private TestKafka kafka;

    @BeforeEach
    void setUp() throws IOException {
        repository =
                GitFixture.repository(Files.createTempDirectory("revision-test").resolve("repo"));
        kafka = TestKafka.forApplication();
    }

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private io.restassured.response.ValidatableResponse post(String markdown, String idempotencyKey) {
        var request = given().contentType(MARKDOWN)
                .queryParam("repository", repository.toString())
                .body(utf8(markdown));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.when().post("/specs").then();
    }

    @Test
    void aNewRevisionKeepsUnchangedTasksReplansChangedOnesAndCancelsRemovedOnes() {
        String id = post(THREE_TASKS, null).statusCode(201).extract().path("id");
        merge(id, "T1");
        await().atMost(WAIT).untilAsserted(() -> assertThat(stateOf(id, "T1")).isEqualTo("MERGED"));

        String revised = THREE_TASKS
                .replace("Acceptance: cuts at 80 characters", "Acceptance: cuts at 72 characters")
                .replace("""
                        ## Task: T3 — Combine
                        Depends-on: T1, T2""", """
                        ## Task: T4 - Pad
                        Pad titles shorter than 10 characters with dots so that columns line up in reports.
                        Acceptance: "ab" becomes "ab........"
                        Test command: sh test/t4_test.sh

                        ## Task: T3 — Combine
                        Depends-on: T1, T2""")
                .replaceAll("(?s)## Task: T3 — Combine.*", "");
        String key = UUID.randomUUID().toString();
        post(revised, key)
                .statusCode(201)
                .body("id", equalTo(id))
                .body("revision", equalTo(2))
                .body("tasks.taskId", contains("T1", "T2", "T4", "T3"))
                .body("tasks.state", contains("MERGED", "READY", "READY", "CANCELLED"))
                .body("tasks.revision", contains(1, 2, 2, 1));
        // the same request again: the same answer, no third revision
        post(revised, key).statusCode(201).body("revision", equalTo(2));

        List<TaskCommand> commands = kafka.await(Topics.TASKS_COMMANDS, e -> id.equals(e.specId()), 2, WAIT).stream()
                .map(e -> e.payloadAs(TaskCommand.class))
                .toList();
        assertThat(commands)
                .extracting(TaskCommand::taskId, TaskCommand::command)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("T2", TaskCommandKind.SUPERSEDE),
                        org.assertj.core.groups.Tuple.tuple("T3", TaskCommandKind.CANCEL));
        List<TaskReady> t2 =
                kafka.await(Topics.TASKS_READY, e -> id.equals(e.specId()) && "T2".equals(e.taskId()), 2, WAIT).stream()
                        .map(e -> e.payloadAs(TaskReady.class))
                        .toList();
        assertThat(t2).extracting(TaskReady::revision).containsExactly(1, 2);
        assertThat(t2.get(1).acceptance()).containsExactly("cuts at 72 characters");

        // a rejected revision leaves revision 2 as it was
        post(revised + "\n## Task: T5 - broken\nDepends-on: nope\nTest command: true\n", null)
                .statusCode(400);
        given().get("/specs/" + id)
                .then()
                .body("revision", equalTo(2))
                .body("tasks.taskId", contains("T1", "T2", "T4", "T3"));
    }

    @Test
    void proposalsBecomeTasksOfTheSpecWithinItsLimits() {
        String id = post(THREE_TASKS, null).statusCode(201).extract().path("id");
        UUID proposalId = UUID.randomUUID();
        TaskProposal proposal = new TaskProposal(
                proposalId,
                id,
                "T1",
                ProposalOrigin.AGENT,
                "Handle accents",
                """
                Slugify drops accented letters; transliterate them so that "Café" becomes "cafe".
                Files: lib/slugify.sh
                Acceptance:
                - "Café" becomes "cafe"
                """,
                List.of(),
                "found while adding slugify",
                null);
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", proposal);
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", proposal); // delivered twice, one task
        await().atMost(WAIT)
                .untilAsserted(() ->
                        given().get("/specs/" + id).then().body("tasks.taskId", contains("T1", "T2", "T3", "T1-f1")));
        given().get("/specs/" + id)
                .then()
                .body("tasks[3].origin", equalTo("AGENT"))
                .body("tasks[3].parentTaskId", equalTo("T1"))
                .body("tasks[3].dependsOn", contains("T1"))
                .body("tasks[3].state", equalTo("PLANNED"))
                .body("tasks[3].files", contains("lib/slugify.sh"));

        merge(id, "T1");
        TaskReady followUp = kafka.await(
                        Topics.TASKS_READY, e -> id.equals(e.specId()) && "T1-f1".equals(e.taskId()), 1, WAIT)
                .get(0)
                .payloadAs(TaskReady.class);
        assertThat(followUp.origin()).isEqualTo(ProposalOrigin.AGENT);
        assertThat(followUp.parentTaskId()).isEqualTo("T1");
        assertThat(followUp.testCommand()).isEqualTo("sh test/t1_test.sh"); // taken from the parent
        assertThat(followUp.qualityClass()).isNotNull();

        // a follow-up of a follow-up of ... is refused beyond the configured depth (3)
        String parent = "T1-f1";
        for (int depth = 2; depth <= 4; depth++) {
            kafka.publish(
                    EventType.TASK_PROPOSED,
                    id,
                    parent,
                    id + "/" + parent,
                    new TaskProposal(
                            UUID.randomUUID(),
                            id,
                            parent,
                            ProposalOrigin.AGENT,
                            "Deeper " + depth,
                            "Acceptance: returns " + depth + "\nFiles: lib/deep" + depth + ".sh",
                            List.of(),
                            null,
                            null));
            if (depth <= 3) {
                String child = parent + "-f1";
                await().atMost(WAIT)
                        .untilAsserted(() -> assertThat((List<String>) given().get("/specs/" + id)
                                        .then()
                                        .extract()
                                        .path("tasks.taskId"))
                                .contains(child));
                parent = child;
            }
        }
        UUID last = UUID.randomUUID();
        kafka.publish(
                EventType.TASK_PROPOSED,
                id,
                "T2",
                id + "/T2",
                new TaskProposal(
                        last,
                        id,
                        "T2",
                        ProposalOrigin.REVIEW,
                        "Marker",
                        "Acceptance: returns 1\nFiles: lib/marker.sh",
                        List.of(),
                        null,
                        null));
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat((List<String>)
                                given().get("/specs/" + id).then().extract().path("tasks.taskId"))
                        .contains("T2-r1"));
        // the depth-4 proposal, published before, was refused: no task below T1-f1-f1-f1
        assertThat((List<String>) given().get("/specs/" + id).then().extract().path("tasks.taskId"))
                .noneMatch(t -> t.startsWith("T1-f1-f1-f1-"));
    }

    @Test
    void anAgentsFollowUpSettingWhatRunsOrWhereWaitsForAPersonsApproval() {
        String id = post(THREE_TASKS, null).statusCode(201).extract().path("id");
        TaskProposal asksForAll = agentFollowUp(id, "Transliterate accents", """
                Slugify drops accented letters; transliterate them so that "Café" becomes "cafe".
                Acceptance:
                - "Café" becomes "cafe"
                Test command: sh test/all_slow.sh
                Agent: opus
                Labels: gpu=yes, tier=fast
                Requires: os=macos
                """);
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", asksForAll);
        // delivered twice (another event id, the same proposal): one task, one decision
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", asksForAll);
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", agentFollowUp(id, "Keep dashes", """
                Slugify collapses runs of dashes; keep a single dash between words.
                Acceptance:
                - "a--b" becomes "a-b"
                Test command: sh test/dashes.sh
                Labels: team=text
                """));
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", agentFollowUp(id, "Trim slugs", """
                Slugify keeps leading dashes; trim them so that slugs start with a letter or digit.
                Acceptance:
                - "-ab" becomes "ab"
                Agent: opus
                """));
        // sets none of them: straight through with the parent's test command, as before
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", agentFollowUp(id, "Empty titles", """
                Slugify of an empty title returns "untitled" so that every page has a slug.
                Acceptance:
                - "" becomes "untitled"
                """));
        // a reviewer is a person: not gated, even with a test command of its own
        kafka.publish(
                EventType.TASK_PROPOSED,
                id,
                "T1",
                id + "/T1",
                new TaskProposal(
                        UUID.randomUUID(),
                        id,
                        "T1",
                        ProposalOrigin.REVIEW,
                        "Cover numbers",
                        """
                        Slugify keeps digits; add a case for titles with numbers.
                        Acceptance:
                        - "Top 10" becomes "top-10"
                        Test command: sh test/numbers.sh
                        """,
                        List.of(),
                        null,
                        null));
        await().atMost(WAIT)
                .untilAsserted(() -> given().get("/specs/" + id)
                        .then()
                        .body("tasks.taskId", contains("T1", "T2", "T3", "T1-f1", "T1-f2", "T1-f3", "T1-f4", "T1-r1")));
        given().get("/specs/" + id)
                .then()
                .body(
                        "tasks.state",
                        contains(
                                "READY",
                                "READY",
                                "PLANNED",
                                "NEEDS_DECISION",
                                "NEEDS_DECISION",
                                "NEEDS_DECISION",
                                "PLANNED",
                                "PLANNED"))
                .body("tasks[3].waiting.code", equalTo("WAITING_FOR_DECISION"))
                .body("tasks[3].waiting.kind", equalTo("PROPOSAL_APPROVAL"));

        List<Map<String, Object>> decisions = given().get("/decisions?all=true")
                .then()
                .statusCode(200)
                .extract()
                .path("findAll { it.specId == '" + id + "' }");
        assertThat(decisions)
                .extracting(d -> d.get("taskId"), d -> d.get("kind"))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("T1-f1", "PROPOSAL_APPROVAL"),
                        org.assertj.core.groups.Tuple.tuple("T1-f2", "PROPOSAL_APPROVAL"),
                        org.assertj.core.groups.Tuple.tuple("T1-f3", "PROPOSAL_APPROVAL"));
        String all = decisionOf(decisions, "T1-f1");
        given().get("/decisions/" + all)
                .then()
                .body("outcome", nullValue())
                .body(
                        "missing",
                        contains(
                                "test command: sh test/all_slow.sh",
                                "agent profile: opus",
                                "labels: gpu=yes, tier=fast",
                                "requires: os=macos"))
                .body("question", containsString("waiting for approval of the proposed test command/profile/labels"))
                .body("question", containsString("sh test/all_slow.sh"))
                .body("question", containsString("T1's test command `sh test/t1_test.sh`"));

        // the parent merges: what is not gated is announced, what waits for approval is not
        merge(id, "T1");
        List<TaskReady> straight = kafka
                .await(
                        Topics.TASKS_READY,
                        e -> id.equals(e.specId()) && List.of("T1-f4", "T1-r1").contains(e.taskId()),
                        2,
                        WAIT)
                .stream()
                .map(e -> e.payloadAs(TaskReady.class))
                .toList();
        assertThat(straight)
                .extracting(TaskReady::taskId, TaskReady::testCommand)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("T1-f4", "sh test/t1_test.sh"),
                        org.assertj.core.groups.Tuple.tuple("T1-r1", "sh test/numbers.sh"));
        assertThat(readyTaskIds(id)).doesNotContain("T1-f1", "T1-f2", "T1-f3");
        assertThat(stateOf(id, "T1-f1")).isEqualTo("NEEDS_DECISION");

        // an answer that does not fit the kind is refused, naming the ones that do
        answer(all, "override", "ana")
                .statusCode(400)
                .body("errors[0].field", equalTo("action"))
                .body("detail", containsString("approve, strip or drop"));

        answer(all, "approve", "ana").statusCode(200).body("outcome", equalTo("APPROVED"));
        TaskReady approved = kafka.await(
                        Topics.TASKS_READY, e -> id.equals(e.specId()) && "T1-f1".equals(e.taskId()), 1, WAIT)
                .get(0)
                .payloadAs(TaskReady.class);
        assertThat(approved.testCommand()).isEqualTo("sh test/all_slow.sh");
        assertThat(approved.agentProfile()).isEqualTo("opus");
        assertThat(approved.labels()).containsEntry("gpu", "yes").containsEntry("tier", "fast");
        assertThat(approved.requires()).containsEntry("os", "macos");
        // answering twice: refused, the first answer stands
        answer(all, "drop", "bo")
                .statusCode(409)
                .body("title", equalTo("Decision already made"))
                .body("detail", containsString("APPROVED"));

        answer(decisionOf(decisions, "T1-f2"), "strip", "ana").statusCode(200).body("outcome", equalTo("STRIPPED"));
        TaskReady stripped = kafka.await(
                        Topics.TASKS_READY, e -> id.equals(e.specId()) && "T1-f2".equals(e.taskId()), 1, WAIT)
                .get(0)
                .payloadAs(TaskReady.class);
        assertThat(stripped.testCommand()).isEqualTo("sh test/t1_test.sh");
        assertThat(stripped.labels()).isEmpty();
        assertThat(stripped.agentProfile()).isNull();
        assertThat(stripped.requires()).isEmpty();

        answer(decisionOf(decisions, "T1-f3"), "drop", "ana").statusCode(200).body("outcome", equalTo("DROPPED"));
        assertThat(stateOf(id, "T1-f3")).isEqualTo("CANCELLED");
        given().get("/decisions").then().body("findAll { it.specId == '" + id + "' }", empty());
        assertThat(readyTaskIds(id)).doesNotContain("T1-f3");
    }

    @Test
    void anApprovedVagueFollowUpAsksForItsQualityDecisionAndADroppedOneAsksAboutItsDependents() {
        String id = post(THREE_TASKS, null).statusCode(201).extract().path("id");
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", agentFollowUp(id, "Improve things", """
                Make it better.
                Test command: sh test/all.sh
                """));
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", agentFollowUp(id, "Trim slugs", """
                Slugify keeps leading dashes; trim them so that slugs start with a letter or digit.
                Acceptance:
                - "-ab" becomes "ab"
                Agent: opus
                """));
        kafka.publish(EventType.TASK_PROPOSED, id, "T1", id + "/T1", agentFollowUp(id, "Trim trailing dashes", """
                Slugify keeps trailing dashes; trim them as well so that slugs end with a letter or digit.
                Depends-on: T1-f2
                Acceptance:
                - "ab-" becomes "ab"
                """));
        await().atMost(WAIT)
                .untilAsserted(() -> given().get("/specs/" + id)
                        .then()
                        .body("tasks.taskId", contains("T1", "T2", "T3", "T1-f1", "T1-f2", "T1-f3"))
                        .body("tasks[5].state", equalTo("PLANNED"))
                        .body("tasks[5].dependsOn", contains("T1-f2")));
        List<Map<String, Object>> decisions =
                given().get("/decisions").then().extract().path("findAll { it.specId == '" + id + "' }");
        assertThat(decisions).extracting(d -> d.get("kind")).containsOnly("PROPOSAL_APPROVAL");

        // approved, the vague follow-up now waits for its quality decision: one decision open at a time
        answer(decisionOf(decisions, "T1-f1"), "approve", "ana").statusCode(200);
        given().get("/decisions")
                .then()
                .body("findAll { it.specId == '" + id + "' && it.taskId == 'T1-f1' }.kind", contains("SPEC_QUALITY"));
        assertThat(stateOf(id, "T1-f1")).isEqualTo("NEEDS_DECISION");

        // dropped, the follow-up another one depends on asks a person what becomes of that one
        answer(decisionOf(decisions, "T1-f2"), "drop", "ana").statusCode(200).body("outcome", equalTo("DROPPED"));
        String blocked = given().get("/decisions")
                .then()
                .body("find { it.specId == '" + id + "' && it.taskId == 'T1-f2' }.kind", equalTo("BLOCKED_BY_FAILURE"))
                .body("find { it.specId == '" + id + "' && it.taskId == 'T1-f2' }.missing", contains("T1-f3"))
                .body(
                        "find { it.specId == '" + id + "' && it.taskId == 'T1-f2' }.question",
                        containsString("was dropped"))
                .extract()
                .path("find { it.specId == '" + id + "' && it.taskId == 'T1-f2' }.id");
        answer(blocked, "cancel", "ana").statusCode(200).body("outcome", equalTo("CANCELLED"));
        assertThat(stateOf(id, "T1-f2")).isEqualTo("CANCELLED");
        assertThat(stateOf(id, "T1-f3")).isEqualTo("CANCELLED");
    }

    private static TaskProposal agentFollowUp(String specId, String title, String text) {
        return new TaskProposal(
                UUID.randomUUID(), specId, "T1", ProposalOrigin.AGENT, title, text, List.of(), null, null);
    }

    private static String decisionOf(List<Map<String, Object>> decisions, String taskId) {
        return decisions.stream()
                .filter(d -> taskId.equals(d.get("taskId")))
                .map(d -> (String) d.get("id"))
                .findFirst()
                .orElseThrow();
    }

    private static io.restassured.response.ValidatableResponse answer(String decision, String action, String by) {
        return given().contentType("application/json")
                .body(Map.of("action", action, "decidedBy", by))
                .when()
                .post("/decisions/" + decision)
                .then();
    }

    /** The task ids announced on the ready topic for the spec so far (read until the topic is idle). */
    private List<String> readyTaskIds(String specId) {
        return kafka.readAll(Topics.TASKS_READY, Duration.ofSeconds(1)).stream()
                .filter(e -> specId.equals(e.specId()))
                .map(e -> e.taskId())
                .toList();
    }

    private void merge(String specId, String taskId) {
        kafka.publish(
                EventType.REVIEW_OUTCOME,
                specId,
                taskId,
                specId,
                new ReviewOutcome(specId, taskId, 1, 1, TaskState.MERGED, 0, List.of(), null, null, "c0ffee", 1));
    }
}
