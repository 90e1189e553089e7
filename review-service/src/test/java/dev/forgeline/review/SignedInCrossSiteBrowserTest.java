package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * Cross-site request forgery against a signed-in reviewer, in a real headless Chromium: the browser holds the
 * session cookie, and a page on another port of localhost (another origin of the same site, so the SameSite=Strict
 * cookie goes along) submits an approval as a form and as a fetch. The service refuses each with 403 naming the
 * origin, the review stays pending, and the reviewer's own approval from the page then merges it.
 */
@QuarkusTest
@TestProfile(ReviewAuthTest.TokensOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class SignedInCrossSiteBrowserTest {
    private static final Duration PAGE_LOAD = Duration.ofSeconds(15);
    private static TestKafka kafka;

    @TestHTTPResource("/ui/sign-in")
    URL signIn;

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
    void anotherSitesApprovalIsRefusedWhileTheReviewersOwnOneMerges() throws Exception {
        PageBrowser.require();
        String spec = Events.uniqueSpec("csrf-signed-in");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", 1, "auth/roles.txt", "admin\n");
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 721, repo, attempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 721));
        Events.awaitOutcome(kafka, spec, TaskState.IN_REVIEW);
        String name = "vera-" + spec;
        String reviewer = ReviewAuthTest.STORE
                .create(name, List.of(Roles.REVIEWER), List.of(), null)
                .secret();
        String target = signIn.toString().replace("/ui/sign-in", "/ui/reviews/" + spec + "/T1/decision");

        try (PageAttackBrowserTest.AttackerSite attacker = PageAttackBrowserTest.AttackerSite.start(target)) {
            WebDriver browser = PageBrowser.start(tmp);
            try {
                browser.get(signIn.toString());
                PageAttackBrowserTest.assertUnharmed(browser, "the sign-in page");
                browser.findElement(By.id("token")).sendKeys(reviewer);
                browser.findElement(By.cssSelector("form button[type=submit]")).click();
                // the form's POST and its redirect may still be on their way when click() returns
                await().atMost(PAGE_LOAD)
                        .untilAsserted(() -> assertThat(browser.getTitle()).isEqualTo("Forgeline review queue"));

                PageAttackBrowserTest.AttackerSite.assertRefused(
                        browser, attacker, "/form", spec, "T1", given().auth().oauth2(reviewer));
                PageAttackBrowserTest.AttackerSite.assertRefused(
                        browser,
                        attacker,
                        "/form-no-referrer",
                        spec,
                        "T1",
                        given().auth().oauth2(reviewer));
                PageAttackBrowserTest.AttackerSite.assertFetchRefused(
                        browser, attacker, spec, "T1", given().auth().oauth2(reviewer));

                // the reviewer's own form, from the service's page, still decides
                browser.get(signIn.toString().replace("/ui/sign-in", "/ui/reviews/" + spec + "/T1"));
                assertThat(browser.findElement(By.id("signed-in-as")).getText()).isEqualTo(name);
                browser.findElement(By.id("approve")).click();
                await().atMost(PAGE_LOAD)
                        .untilAsserted(() ->
                                assertThat(PageBrowser.text(browser, "#state")).isEqualTo("MERGED"));
                PageAttackBrowserTest.assertUnharmed(browser, "the approved review");
            } finally {
                browser.quit();
            }
        }
        assertThat(Events.awaitOutcome(kafka, spec, TaskState.MERGED).reviewer())
                .isEqualTo(name);
        given().auth()
                .oauth2(reviewer)
                .get("/reviews/{s}/{t}", spec, "T1")
                .then()
                .statusCode(200)
                .body("state", equalTo("MERGED"))
                .body("decidedBy", equalTo(name));
    }
}
