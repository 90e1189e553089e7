package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

import dev.forgeline.contracts.DecisionKind;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.DecisionRecorded;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;

/**
 * The review page in a real headless Chromium: a person opens the queue, reads a review's coloured diff and
 * requests changes, then approves another one; the results are checked over REST, in git and on Kafka.
 * The browser is {@link PageBrowser}'s.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RecordedServicesResource.class, restrictToAnnotatedClass = false)
class ReviewPageBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TestKafka kafka;

    @TestHTTPResource("/ui/reviews")
    URL queue;

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

    @Test
    void aPersonRequestsChangesAndApprovesFromTheBrowser() throws Exception {
        PageBrowser.require();
        String spec = Events.uniqueSpec("page");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        repo.commitFile("auth/roles.txt", "admin\nreader\n", "roles");
        GitRepo.Attempt roles = repo.attemptBranch(spec, "T1", 1, "auth/roles.txt", "admin\nwriter\n");
        GitRepo.Attempt large = repo.attemptBranch(spec, "T2", "notes/long.txt", 150);
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 601, repo, roles));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 601));
        kafka.publish(EventType.TASK_RESULT, spec, "T2", "T2", Events.succeeded(spec, "T2", 602, repo, large));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", Events.accepted(spec, "T2", 602));
        awaitOutcome(spec, "T1", TaskState.IN_REVIEW);
        awaitOutcome(spec, "T2", TaskState.IN_REVIEW);

        WebDriver browser = PageBrowser.start(tmp);
        try {
            browser.get(queue.toString());
            assertThat(browser.getTitle()).isEqualTo("Forgeline review queue");
            assertThat(browser.findElement(By.id("backlog")).getText()).contains("Level 2-3 backlog");
            browser.findElement(By.id("review-" + spec + "-T1")).click();

            // the review: level, reasons and a coloured diff
            assertThat(browser.findElement(By.tagName("h1")).getText())
                    .contains(spec + " / T1")
                    .endsWith("2");
            assertThat(browser.findElement(By.id("reasons")).getText())
                    .contains("security surface: auth/roles.txt: security-sensitive path");
            WebElement added = browser.findElement(By.cssSelector("#diff span.add"));
            WebElement removed = browser.findElement(By.cssSelector("#diff span.del"));
            assertThat(added.getText()).isEqualTo("+writer");
            assertThat(removed.getText()).isEqualTo("-reader");
            assertThat(added.getCssValue("background-color")).isEqualTo("rgba(218, 251, 225, 1)");
            assertThat(removed.getCssValue("background-color")).isEqualTo("rgba(255, 235, 233, 1)");
            PageBrowser.screenshot(browser, "review-page.png");

            // request changes without a comment: refused, nothing changes
            browser.findElement(By.id("reviewer")).sendKeys("ana");
            browser.findElement(By.id("request-changes")).click();
            assertShown(browser, "error", text -> assertThat(text).contains("needs a comment"));
            assertShown(browser, "state", text -> assertThat(text).isEqualTo("PENDING"));

            browser.findElement(By.id("reviewer")).sendKeys("ana");
            browser.findElement(By.id("comment")).sendKeys("keep the reader role");
            browser.findElement(By.id("request-changes")).click();
            assertShown(browser, "notice", text -> assertThat(text).startsWith("Changes requested"));
            assertShown(browser, "state", text -> assertThat(text).isEqualTo("CHANGES_REQUESTED"));
            PageBrowser.screenshot(browser, "review-page-changes-requested.png");

            given().get("/reviews/{s}/{t}", spec, "T1")
                    .then()
                    .statusCode(200)
                    .body("state", equalTo("CHANGES_REQUESTED"))
                    .body("decidedBy", equalTo("ana"));
            ReviewOutcome sentBack = awaitOutcome(spec, "T1", TaskState.FAILED);
            assertThat(sentBack.failureClass()).isEqualTo(FailureClass.CHANGES_REQUESTED);
            assertThat(sentBack.comment()).isEqualTo("keep the reader role");
            DecisionRecorded decision = kafka.await(
                            Topics.DECISIONS, e -> spec.equals(e.specId()) && "T1".equals(e.taskId()), 1, WAIT)
                    .get(0)
                    .payloadAs(DecisionRecorded.class);
            assertThat(decision.kind()).isEqualTo(DecisionKind.REVIEW);
            assertThat(decision.level()).isEqualTo(2);
            assertThat(decision.outcome()).isEqualTo("CHANGES_REQUESTED");

            // back to the queue: T1 is gone from it, T2 is there; approve T2
            browser.findElement(By.linkText("← queue")).click();
            assertThat(browser.findElements(By.id("review-" + spec + "-T1"))).isEmpty();
            browser.findElement(By.id("review-" + spec + "-T2")).click();
            browser.findElement(By.id("reviewer")).sendKeys("bo");
            browser.findElement(By.id("approve")).click();
            assertShown(browser, "state", text -> assertThat(text).isEqualTo("MERGED"));
            assertShown(browser, "decided", text -> assertThat(text).startsWith("bo"));
            PageBrowser.screenshot(browser, "review-page-approved.png");
        } finally {
            browser.quit();
        }
        ReviewOutcome merged = awaitOutcome(spec, "T2", TaskState.MERGED);
        assertThat(merged.reviewer()).isEqualTo("bo");
        assertThat(repo.rev("main")).isEqualTo(merged.mergeCommit());
        assertThat(repo.git("ls-tree", "-r", "--name-only", "main").lines()).contains("notes/long.txt");
        assertThat(PageBrowser.SCREENSHOTS.resolve("review-page.png")).isNotEmptyFile();
    }

    /**
     * Checks an element of the page a form's post leads to: the click returns before the browser has replaced the
     * page, so the element is looked up again until the new page has it (the old page's is stale or absent).
     */
    private static void assertShown(WebDriver browser, String id, Consumer<String> check) {
        Awaitility.await()
                .atMost(WAIT)
                .ignoreExceptionsInstanceOf(WebDriverException.class)
                .untilAsserted(() -> check.accept(browser.findElement(By.id(id)).getText()));
    }

    /**
     * The board in the browser, from the queue's link: the recorded planner's and dispatcher's answers are shown
     * (titles from specs as text, never as markup), a change the services report reaches the open page without a
     * reload, and a dispatcher that stops answering shows as unavailable while the rest stays.
     */
    @Test
    void theBoardShowsTheServicesLiveEscapedAndSurvivesOneGoingAway() throws Exception {
        PageBrowser.require();
        Path recorded =
                Path.of(ConfigProvider.getConfig().getValue(RecordedServicesResource.DIRECTORY_KEY, String.class));
        String spec = Events.uniqueSpec("board");
        String title = "Greeting <img src=x onerror=\"window.injected=1\">";
        RecordedServicesResource.record(
                recorded,
                "/planner/specs",
                "[{\"id\":\"" + spec
                        + "\",\"name\":\"Board <b>demo</b>\",\"createdAt\":\"2026-12-03T10:00:00Z\",\"counts\":{},\"revision\":1}]");
        RecordedServicesResource.record(recorded, "/planner/specs/" + spec, boardSpec(spec, title, "RUNNING"));
        RecordedServicesResource.record(recorded, "/planner/decisions", "[]");
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/tasks?limit=1000&specId=" + spec,
                "[{\"specId\":\"" + spec + "\",\"taskId\":\"T1\",\"state\":\"RUNNING\",\"attempt\":2,"
                        + "\"nodeName\":\"laptop-<i>1</i>\",\"waiting\":[]}]");
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/nodes",
                "[{\"name\":\"laptop-<i>1</i>\",\"capacity\":2,"
                        + "\"status\":\"READY\",\"activeLeases\":1,\"freeSlots\":1}]");
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/breakers",
                "[{\"scope\":\"PROFILE\",\"key\":\"large\",\"state\":\"OPEN\",\"failures\":5,"
                        + "\"reason\":\"5 of 5 attempts failed\"}]");
        RecordedServicesResource.record(
                recorded, "/dispatcher/dispatch", "{\"paused\":true,\"reasons\":[\"paused by ana: release freeze\"]}");

        WebDriver browser = PageBrowser.start(tmp);
        try {
            browser.get(queue.toString());
            browser.findElement(By.id("board-link")).click();
            assertThat(browser.getTitle()).isEqualTo("Forgeline board");
            ((JavascriptExecutor) browser).executeScript("window.loadedOnce = 'yes';");

            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1-state")).isEqualTo("RUNNING");
            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1 .title"))
                    .isEqualTo(title);
            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1")).contains("laptop-<i>1</i>");
            assertThat(PageBrowser.text(browser, "#spec-" + spec + " .spec-name"))
                    .isEqualTo("Board <b>demo</b>");
            assertThat(((Number)
                                    ((JavascriptExecutor) browser)
                                            .executeScript(
                                                    "return document.querySelectorAll('#specs img, #specs b, #fleet i').length;"))
                            .intValue())
                    .isZero();
            assertThat(PageBrowser.text(browser, "#spec-" + spec + "-progress")).isEqualTo("0 / 2 merged");
            assertThat(PageBrowser.text(browser, "#dispatch-hold"))
                    .contains("paused")
                    .contains("release freeze");
            assertThat(PageBrowser.text(browser, "#breakers")).contains("large").contains("OPEN");
            PageBrowser.screenshot(browser, "board.png");

            // the planner reports T1 merged: the open page shows it without a reload
            RecordedServicesResource.record(recorded, "/planner/specs/" + spec, boardSpec(spec, title, "MERGED"));
            Awaitility.await()
                    .atMost(WAIT)
                    .untilAsserted(() -> assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1-state"))
                            .isEqualTo("MERGED"));
            assertThat(PageBrowser.text(browser, "#spec-" + spec + "-progress")).isEqualTo("1 / 2 merged");

            // the dispatcher stops answering: shown unavailable, the planner's part stays
            RecordedServicesResource.record(recorded, "/dispatcher/nodes", null);
            Awaitility.await()
                    .atMost(WAIT)
                    .untilAsserted(() -> assertThat(PageBrowser.text(browser, "#service-dispatcher"))
                            .contains("unavailable")
                            .contains("GET /dispatcher/nodes answered 404"));
            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1-state")).isEqualTo("MERGED");
            assertThat(PageBrowser.text(browser, "#fleet")).contains("the dispatcher cannot be reached");

            JavascriptExecutor script = (JavascriptExecutor) browser;
            assertThat(script.executeScript("return window.loadedOnce;"))
                    .as("no reload")
                    .isEqualTo("yes");
            assertThat(script.executeScript("return window.injected;")).isNull();
            assertThat(((Number) script.executeScript("return window.boardUpdates;")).intValue())
                    .isGreaterThanOrEqualTo(2);
            PageBrowser.screenshot(browser, "board-dispatcher-unavailable.png");
        } finally {
            browser.quit();
        }
        assertThat(PageBrowser.SCREENSHOTS.resolve("board.png")).isNotEmptyFile();
    }

    private static String boardSpec(String spec, String title, String firstState) {
        return "{\"id\":\"" + spec + "\",\"name\":\"Board <b>demo</b>\",\"createdAt\":\"2026-12-03T10:00:00Z\","
                + "\"tasks\":[{\"taskId\":\"T1\",\"title\":\"" + title.replace("\"", "\\\"") + "\",\"state\":\""
                + firstState + "\",\"attempt\":2},{\"taskId\":\"T2\",\"title\":\"Farewell\",\"state\":\"PLANNED\","
                + "\"attempt\":0,\"waiting\":{\"code\":\"WAITING_FOR_DEPENDENCY\",\"tasks\":[\"T1\"]}}]}";
    }

    private static ReviewOutcome awaitOutcome(String spec, String task, TaskState state) {
        return kafka.await(
                        Topics.REVIEW_OUTCOMES,
                        e -> spec.equals(e.specId())
                                && task.equals(e.taskId())
                                && e.payloadAs(ReviewOutcome.class).state() == state,
                        1,
                        WAIT)
                .get(0)
                .payloadAs(ReviewOutcome.class);
    }
}
