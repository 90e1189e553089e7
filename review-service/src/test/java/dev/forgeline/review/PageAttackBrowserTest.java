package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.FailureClass;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.contracts.Topics;
import dev.forgeline.contracts.payload.AgentUsage;
import dev.forgeline.contracts.payload.DiffStats;
import dev.forgeline.contracts.payload.ReviewOutcome;
import dev.forgeline.contracts.payload.TaskResult;
import dev.forgeline.contracts.payload.TestOutcome;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * The review pages and the board under attack, in a real headless PageBrowser. Stored XSS: hostile values stored
 * through the real entry points (results on Kafka, decisions over REST, the planner's and dispatcher's answers the
 * board reads) are shown as text, run no script and add no element or event handler, on first render and in the
 * board's live updates; every page carries the Content-Security-Policy and needs no inline script or style.
 * Cross-site requests: a page served from another origin that submits an approval changes nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RecordedServicesResource.class, restrictToAnnotatedClass = false)
class PageAttackBrowserTest {
    /** The policy every page under /ui answers with. */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    static final String SCRIPT = "<script>window.__pwned=1</script>";
    static final String ATTRIBUTE = "\"><img src=x onerror=\"window.__pwned=1\">";
    static final String LINK = "javascript:window.__pwned=1";

    /**
     * What must hold on a page showing hostile data: no script ran, no image, frame, object or inline script or style
     * came from it, no element has an event-handler attribute, no link is a javascript: URL.
     */
    static final String DAMAGE = """
            const handlers = [];
            document.querySelectorAll('*').forEach(e => {
              for (const a of e.attributes) { if (a.name.toLowerCase().startsWith('on')) handlers.push(e.tagName + ' ' + a.name); }
            });
            return {
              pwned: typeof window.__pwned,
              handlers: handlers.join(', '),
              injected: document.querySelectorAll('img, iframe, object, embed, style, script:not([src]), [style]').length,
              scripts: Array.from(document.scripts).map(s => s.getAttribute('src')).join(' '),
              javascriptLinks: Array.from(document.querySelectorAll('a[href], form[action]'))
                  .filter(e => (e.getAttribute('href') || e.getAttribute('action')).trim().toLowerCase().startsWith('javascript:')).length
            };""";

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
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
    void hostileValuesOnTheReviewPagesAreShownAsTextAndRunNothing() throws Exception {
        PageBrowser.require();
        String spec = Events.uniqueSpec("xss");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        // a file path that is markup (the security reason names it) holding a script (the diff shows it)
        String hostilePath = "auth/" + ATTRIBUTE + ".txt";
        GitRepo.Attempt pending = repo.attemptBranch(spec, "T1", 2, hostilePath, SCRIPT + "\n" + LINK + "\n");
        GitRepo.Attempt decided = repo.attemptBranch(spec, "T2", 1, "auth/other.txt", "role\n");
        // T1: a failed first attempt and a succeeded second one, from a node and agent whose names are markup
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", failed(spec, "T1", 701, repo));
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", succeeded(spec, "T1", 702, 2, repo, pending));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 702));
        // T2: changes requested by a reviewer whose name and comment are markup
        kafka.publish(EventType.TASK_RESULT, spec, "T2", "T2", Events.succeeded(spec, "T2", 703, repo, decided));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T2", "T2", Events.accepted(spec, "T2", 703));
        awaitOutcome(spec, "T1", TaskState.IN_REVIEW);
        awaitOutcome(spec, "T2", TaskState.IN_REVIEW);
        given().contentType("application/json")
                .body(JSON.writeValueAsString(Map.of("reviewer", ATTRIBUTE, "comment", SCRIPT + " " + LINK)))
                .post("/reviews/{s}/{t}/request-changes", spec, "T2")
                .then()
                .statusCode(200)
                .body("state", equalTo("CHANGES_REQUESTED"));

        given().get("/ui/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .header("Content-Security-Policy", PAGE_POLICY)
                .header("X-Frame-Options", "DENY");

        WebDriver browser = PageBrowser.start(tmp);
        try {
            // the queue: the pending review's reason names the path, the decided one its reviewer
            browser.get(queue.toString());
            assertThat(PageBrowser.text(browser, "#pending")).contains(ATTRIBUTE);
            assertThat(PageBrowser.text(browser, "#recent")).contains(ATTRIBUTE);
            assertUnharmed(browser, "the queue");

            // the review: reasons, diff, attempts (node, failure), test command and agent profile as text
            browser.findElement(By.id("review-" + spec + "-T1")).click();
            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() ->
                            assertThat(PageBrowser.text(browser, "#reasons")).contains(hostilePath));
            assertThat(PageBrowser.text(browser, "#diff"))
                    .contains("+" + SCRIPT)
                    .contains("+" + LINK);
            assertThat(PageBrowser.text(browser, "#attempts"))
                    .contains("node " + ATTRIBUTE)
                    .contains("failed: TEST_FAILURE " + SCRIPT);
            assertThat(PageBrowser.text(browser, "#tests")).contains("sh " + SCRIPT);
            assertThat(PageBrowser.text(browser, "#cost")).contains(ATTRIBUTE);
            // the page's own stylesheet applies under the policy
            assertThat(browser.findElement(By.cssSelector("#diff span.add")).getCssValue("background-color"))
                    .isEqualTo("rgba(218, 251, 225, 1)");
            assertUnharmed(browser, "the review page");
            PageBrowser.screenshot(browser, "attack-review-page.png");

            // a decision the form never offers comes back in the error message: as text
            browser.findElement(By.id("reviewer")).sendKeys("ana");
            PageBrowser.script(browser, "document.getElementById('approve').value = arguments[0];", ATTRIBUTE);
            browser.findElement(By.id("approve")).click();
            await().atMost(Duration.ofSeconds(15))
                    .untilAsserted(() ->
                            assertThat(PageBrowser.text(browser, "#error")).isNotNull());
            assertThat(PageBrowser.text(browser, "#error")).contains("unknown decision '" + ATTRIBUTE + "'");
            assertUnharmed(browser, "the review page with an error");

            // the decided review: who decided and why
            browser.get(queue.toString().replace("/ui/reviews", "/ui/reviews/" + spec + "/T2"));
            assertThat(PageBrowser.text(browser, "#decided")).isEqualTo(ATTRIBUTE + ": " + SCRIPT + " " + LINK);
            assertUnharmed(browser, "the decided review");
        } finally {
            browser.quit();
        }
        given().get("/reviews/{s}/{t}", spec, "T1").then().statusCode(200).body("state", equalTo("PENDING"));
    }

    @Test
    void hostileValuesOnTheBoardAreShownAsTextAndRunNothingAlsoInLiveUpdates() throws Exception {
        PageBrowser.require();
        Path recorded =
                Path.of(ConfigProvider.getConfig().getValue(RecordedServicesResource.DIRECTORY_KEY, String.class));
        String spec = Events.uniqueSpec("xssboard");
        recordBoard(recorded, spec, SCRIPT, ATTRIBUTE);
        given().get("/ui/board").then().statusCode(200).header("Content-Security-Policy", PAGE_POLICY);

        WebDriver browser = PageBrowser.start(tmp);
        try {
            browser.get(queue.toString().replace("/ui/reviews", "/ui/board"));
            Awaitility.await()
                    .atMost(WAIT)
                    .untilAsserted(() -> assertThat(PageBrowser.text(browser, "#spec-" + spec + " .spec-name"))
                            .isEqualTo(LINK));
            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1 .title"))
                    .isEqualTo(SCRIPT);
            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1")).contains(ATTRIBUTE);
            assertThat(PageBrowser.text(browser, "#node-" + spec)).contains(ATTRIBUTE);
            assertThat(PageBrowser.text(browser, "#breakers")).contains(SCRIPT).contains(ATTRIBUTE);
            assertThat(PageBrowser.text(browser, "#dispatch-hold")).contains(SCRIPT);
            assertThat(PageBrowser.text(browser, "#decisions")).contains(ATTRIBUTE);
            assertUnharmed(browser, "the board");
            PageBrowser.screenshot(browser, "attack-board.png");

            // the services report other hostile values: they arrive through the live update, as text
            int updates = ((Number) PageBrowser.script(browser, "return window.boardUpdates;")).intValue();
            recordBoard(recorded, spec, ATTRIBUTE, SCRIPT);
            Awaitility.await()
                    .atMost(WAIT)
                    .untilAsserted(() -> assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1 .title"))
                            .isEqualTo(ATTRIBUTE));
            assertThat(((Number) PageBrowser.script(browser, "return window.boardUpdates;")).intValue())
                    .as("shown by a live update, not a reload")
                    .isGreaterThan(updates);
            assertThat(PageBrowser.text(browser, "#task-" + spec + "-T1")).contains(SCRIPT);
            assertThat(PageBrowser.text(browser, "#node-" + spec)).contains(SCRIPT);
            assertThat(PageBrowser.text(browser, "#decisions")).contains(SCRIPT);
            assertUnharmed(browser, "the board after a live update");
            PageBrowser.screenshot(browser, "attack-board-updated.png");
        } finally {
            browser.quit();
        }
    }

    /**
     * With tokens off (development) no credential guards the forms, so the origin check alone stops another site:
     * a page served from another origin submits an approval as a form, with and without a Referer, and as a fetch,
     * and the review stays pending.
     */
    @Test
    void anApprovalSubmittedFromAnotherOriginChangesNothing() throws Exception {
        PageBrowser.require();
        String spec = Events.uniqueSpec("csrf");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", 1, "auth/roles.txt", "admin\n");
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 711, repo, attempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 711));
        awaitOutcome(spec, "T1", TaskState.IN_REVIEW);
        String target = queue.toString().replace("/ui/reviews", "/ui/reviews/" + spec + "/T1/decision");

        try (AttackerSite attacker = AttackerSite.start(target)) {
            WebDriver browser = PageBrowser.start(tmp);
            try {
                AttackerSite.assertRefused(browser, attacker, "/form", spec, "T1", given());
                AttackerSite.assertRefused(browser, attacker, "/form-no-referrer", spec, "T1", given());
                AttackerSite.assertFetchRefused(browser, attacker, spec, "T1", given());
            } finally {
                browser.quit();
            }
        }
    }

    /** Runs {@link #DAMAGE} on the page and asserts none. */
    static void assertUnharmed(WebDriver browser, String page) {
        @SuppressWarnings("unchecked")
        Map<String, Object> damage = (Map<String, Object>) PageBrowser.script(browser, DAMAGE);
        assertThat(damage.get("pwned")).as("window.__pwned on %s", page).isEqualTo("undefined");
        assertThat(damage.get("handlers"))
                .as("event handler attributes on %s", page)
                .isEqualTo("");
        assertThat(((Number) damage.get("injected")).intValue())
                .as("images, frames, inline scripts or styles on %s", page)
                .isZero();
        assertThat((String) damage.get("scripts")).as("scripts on %s", page).isIn("", "/ui/assets/board.js");
        assertThat(((Number) damage.get("javascriptLinks")).intValue())
                .as("javascript: links on %s", page)
                .isZero();
    }

    /** Planner and dispatcher answers for one spec whose every text field is one of the two hostile values. */
    private static void recordBoard(Path recorded, String spec, String first, String second) throws Exception {
        RecordedServicesResource.record(
                recorded,
                "/planner/specs",
                json(List.of(Map.of("id", spec, "name", LINK, "createdAt", "2026-12-03T10:00:00Z", "revision", 1))));
        RecordedServicesResource.record(
                recorded,
                "/planner/specs/" + spec,
                json(Map.of(
                        "id",
                        spec,
                        "name",
                        LINK,
                        "createdAt",
                        "2026-12-03T10:00:00Z",
                        "tasks",
                        List.of(Map.of(
                                "taskId", "T1", "title", first, "state", "RUNNING\" onclick=\"x", "attempt", 1)))));
        RecordedServicesResource.record(
                recorded,
                "/planner/decisions",
                json(List.of(Map.of(
                        "id",
                        UUID.randomUUID().toString(),
                        "specId",
                        spec,
                        "taskId",
                        "T1",
                        "kind",
                        "SPEC_QUALITY",
                        "question",
                        second,
                        "requestedAt",
                        "2026-12-03T10:01:00Z"))));
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/tasks?limit=1000&specId=" + spec,
                json(List.of(Map.of(
                        "specId",
                        spec,
                        "taskId",
                        "T1",
                        "state",
                        "RUNNING",
                        "attempt",
                        1,
                        "nodeName",
                        "node " + second,
                        "waiting",
                        List.of()))));
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/nodes",
                json(List.of(Map.of(
                        "name",
                        spec,
                        "capacity",
                        2,
                        "status",
                        "DRAINING",
                        "statusReason",
                        second,
                        "activeLeases",
                        1,
                        "freeSlots",
                        1,
                        "lastSeenAt",
                        "2026-12-03T10:06:00Z\" onmouseover=\"window.__pwned=1"))));
        RecordedServicesResource.record(
                recorded,
                "/dispatcher/breakers",
                json(List.of(Map.of(
                        "scope", "PROFILE", "key", SCRIPT, "state", "OPEN", "failures", 5, "reason", ATTRIBUTE))));
        RecordedServicesResource.record(
                recorded, "/dispatcher/dispatch", json(Map.of("paused", true, "reasons", List.of(first))));
    }

    private static String json(Object value) throws JsonProcessingException {
        return JSON.writeValueAsString(value);
    }

    private static TaskResult succeeded(
            String spec, String task, long fencingToken, int attemptNumber, GitRepo repo, GitRepo.Attempt attempt) {
        return new TaskResult(
                UUID.randomUUID(),
                spec,
                task,
                "node " + ATTRIBUTE,
                fencingToken,
                attemptNumber,
                true,
                null,
                null,
                repo.url(),
                "main",
                attempt.branch(),
                attempt.baseCommit(),
                attempt.commit(),
                new DiffStats(1, 1, 0, List.of("x")),
                new TestOutcome("sh " + SCRIPT, true, true, 0, 25, SCRIPT),
                new AgentUsage(ATTRIBUTE, "command", "m", 100, 20, 0, new BigDecimal("0.01")),
                1200,
                Instant.now().minusSeconds(2),
                Instant.now());
    }

    private static TaskResult failed(String spec, String task, long fencingToken, GitRepo repo) {
        return new TaskResult(
                UUID.randomUUID(),
                spec,
                task,
                "node " + ATTRIBUTE,
                fencingToken,
                1,
                false,
                FailureClass.TEST_FAILURE,
                SCRIPT,
                repo.url(),
                "main",
                "forgeline/" + spec + "/" + task + "/a1",
                repo.rev("main"),
                repo.rev("main"),
                DiffStats.empty(),
                new TestOutcome("sh test.sh", true, false, 1, 30, SCRIPT),
                new AgentUsage("default", "command", "m", 80, 10, 0, new BigDecimal("0.02")),
                900,
                Instant.now().minusSeconds(3),
                Instant.now());
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

    /**
     * Another site: a JDK HTTP server on another port of localhost (another origin, the same site, so even a
     * SameSite=Strict cookie goes along) whose pages submit an approval to the review service as soon as they load.
     */
    static final class AttackerSite implements AutoCloseable {
        private final HttpServer server;

        private AttackerSite(HttpServer server) {
            this.server = server;
        }

        static AttackerSite start(String target) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            String form = "<form id=\"attack\" method=\"post\" action=\"" + target + "\">"
                    + "<input name=\"decision\" value=\"approve\"><input name=\"reviewer\" value=\"mallory\">"
                    + "<input name=\"csrf\" value=\"guessed\"><input name=\"comment\" value=\"from another site\">"
                    + "</form><script>document.getElementById('attack').submit();</script>";
            serve(
                    server,
                    "/form",
                    "<!DOCTYPE html><html><head><title>prize</title></head><body>" + form + "</body></html>");
            // no Referer, and the browser sends Origin: null
            serve(
                    server,
                    "/form-no-referrer",
                    "<!DOCTYPE html><html><head><meta name=\"referrer\" content=\"no-referrer\"><title>prize</title>"
                            + "</head><body>" + form + "</body></html>");
            serve(
                    server,
                    "/fetch",
                    "<!DOCTYPE html><html><head><title>prize</title></head><body><script>"
                            + "fetch('" + target + "', {method: 'POST', mode: 'no-cors', credentials: 'include',"
                            + " headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
                            + " body: 'decision=approve&reviewer=mallory&csrf=guessed'})"
                            + ".then(() => { document.title = 'sent'; }, e => { document.title = 'failed ' + e; });"
                            + "</script></body></html>");
            server.start();
            return new AttackerSite(server);
        }

        private static void serve(HttpServer server, String path, String html) {
            server.createContext(path, exchange -> {
                byte[] body = html.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
        }

        /** The attacker's origin: localhost on its own port (the service is on localhost too). */
        String origin() {
            return "http://localhost:" + server.getAddress().getPort();
        }

        /**
         * Opens the attacker's form page: the browser submits it and shows the service's answer, a 403 problem naming
         * the origin; the review is still pending.
         */
        static void assertRefused(
                WebDriver browser,
                AttackerSite attacker,
                String page,
                String spec,
                String task,
                RequestSpecification rest) {
            browser.get(attacker.origin() + page);
            Awaitility.await()
                    .atMost(WAIT)
                    .untilAsserted(() -> assertThat(browser.getCurrentUrl())
                            .endsWith("/ui/reviews/" + spec + "/" + task + "/decision"));
            String answer = PageBrowser.text(browser, "body");
            assertThat(answer).contains("https://forgeline.dev/problems/cross-origin-request");
            assertThat(answer).contains(page.equals("/form") ? attacker.origin() : "Origin null");
            assertPending(rest, spec, task);
        }

        /** The attacker's fetch is sent (the browser reports it so) and decides nothing. */
        static void assertFetchRefused(
                WebDriver browser, AttackerSite attacker, String spec, String task, RequestSpecification rest) {
            browser.get(attacker.origin() + "/fetch");
            Awaitility.await().atMost(WAIT).until(() -> !browser.getTitle().equals("prize"));
            assertThat(browser.getTitle()).isEqualTo("sent");
            assertPending(rest, spec, task);
        }

        private static void assertPending(RequestSpecification rest, String spec, String task) {
            rest.get("/reviews/{s}/{t}", spec, task)
                    .then()
                    .statusCode(200)
                    .body("state", equalTo("PENDING"))
                    .body("decidedBy", nullValue());
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
