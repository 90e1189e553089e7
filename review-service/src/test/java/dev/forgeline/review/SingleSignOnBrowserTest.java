package dev.forgeline.review;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.TaskState;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.TestKafka;
import dev.forgeline.testsupport.oidc.FakeIdentityProviderResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * Single sign-on to the review pages in a real headless Chromium, against a fake identity provider on another site
 * (127.0.0.1 beside the service's localhost): the person follows the sign-in page's link, signs in on the provider's
 * form, arrives signed in despite the SameSite=Strict session cookie and a redirect chain that began at the other
 * site, and decides under the provider's user name with the roles of its groups. Signing out ends the pages'
 * session; a wrong password at the provider signs no one in.
 */
@QuarkusTest
@TestProfile(SingleSignOnBrowserTest.SingleSignOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class SingleSignOnBrowserTest {
    private static final Duration PAGE_LOAD = Duration.ofSeconds(15);
    private static final String CLIENT_ID = FakeIdentityProviderResource.AUDIENCE;
    private static final String CLIENT_SECRET = "review-pages-client-secret";
    private static TestKafka kafka;

    public static class SingleSignOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("forgeline.auth.mode", "tokens");
            config.put("forgeline.auth.tokens-file", ReviewAuthTest.TOKENS.toString());
            config.put("quarkus.oidc.ui.tenant-enabled", "true");
            config.put("quarkus.oidc.ui.client-id", CLIENT_ID);
            config.put("quarkus.oidc.ui.credentials.secret", CLIENT_SECRET);
            return config;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeIdentityProviderResource.class));
        }
    }

    @TestHTTPResource("/ui/sign-in")
    URL signIn;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        kafka = TestKafka.forApplication();
        FakeIdentityProviderResource.provider()
                .addClient(CLIENT_ID, CLIENT_SECRET, Map.of())
                .addUser(
                        "olga",
                        "correct horse",
                        Map.of("groups", List.of("forgeline-reviewer", "staff"), "forgeline_projects", "*"));
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void aPersonSignsInAtTheIdentityProviderAndDecidesUnderItsName() throws Exception {
        PageBrowser.require();
        String spec = Events.uniqueSpec("sso");
        GitRepo repo = GitRepo.init(tmp.resolve("repo"));
        GitRepo.Attempt attempt = repo.attemptBranch(spec, "T1", 1, "auth/roles.txt", "reviewer\n");
        kafka.publish(EventType.TASK_RESULT, spec, "T1", "T1", Events.succeeded(spec, "T1", 731, repo, attempt));
        kafka.publish(EventType.TASK_STATE_CHANGED, spec, "T1", "T1", Events.accepted(spec, "T1", 731));
        Events.awaitOutcome(kafka, spec, TaskState.IN_REVIEW);
        String review = signIn.toString().replace("/ui/sign-in", "/ui/reviews/" + spec + "/T1");
        int signInsBefore = FakeIdentityProviderResource.provider().signIns();

        WebDriver browser = PageBrowser.start(tmp);
        try {
            // a wrong password at the provider: its form again, nobody signed in here
            browser.get(signIn.toString());
            browser.findElement(By.id("sso")).click();
            await().atMost(PAGE_LOAD)
                    .until(() -> !browser.findElements(By.id("kc-login")).isEmpty());
            assertThat(browser.getCurrentUrl())
                    .startsWith(FakeIdentityProviderResource.provider().issuer());
            browser.findElement(By.name("username")).sendKeys("olga");
            browser.findElement(By.name("password")).sendKeys("wrong horse");
            browser.findElement(By.id("kc-login")).click();
            await().atMost(PAGE_LOAD)
                    .untilAsserted(() -> assertThat(browser.getPageSource()).contains("Invalid username or password."));

            browser.findElement(By.name("username")).clear();
            browser.findElement(By.name("username")).sendKeys("olga");
            browser.findElement(By.name("password")).sendKeys("correct horse");
            browser.findElement(By.id("kc-login")).click();
            await().atMost(PAGE_LOAD)
                    .untilAsserted(() -> assertThat(browser.getTitle()).isEqualTo("Forgeline review queue"));
            assertThat(FakeIdentityProviderResource.provider().signIns()).isEqualTo(signInsBefore + 1);

            browser.get(review);
            assertThat(browser.findElement(By.id("signed-in-as")).getText()).isEqualTo("olga");
            browser.findElement(By.id("approve")).click();
            await().atMost(PAGE_LOAD)
                    .untilAsserted(() ->
                            assertThat(PageBrowser.text(browser, "#state")).isEqualTo("MERGED"));

            // signing out ends the pages' session: the review is behind the sign-in page again
            browser.get(review);
            browser.findElement(By.cssSelector("#sign-out button")).click();
            await().atMost(PAGE_LOAD).until(() -> browser.getCurrentUrl().endsWith("/ui/sign-in"));
            browser.get(review);
            assertThat(browser.getCurrentUrl()).endsWith("/ui/sign-in");
        } finally {
            browser.quit();
        }
        assertThat(Events.awaitOutcome(kafka, spec, TaskState.MERGED).reviewer())
                .isEqualTo("olga");
        String operator = ReviewAuthTest.STORE
                .create("op-" + spec, List.of(Roles.OPERATOR), List.of(), null)
                .secret();
        given().auth()
                .oauth2(operator)
                .queryParam("target", spec + "/T1")
                .get("/audit")
                .then()
                .statusCode(200)
                .body("[0].actor", equalTo("olga"))
                .body("[0].roles", equalTo(List.of(Roles.REVIEWER)))
                .body("[0].details.via", equalTo("review page"));
    }
}
