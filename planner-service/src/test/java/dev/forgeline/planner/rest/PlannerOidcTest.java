package dev.forgeline.planner.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.forgeline.planner.GitFixture;
import dev.forgeline.planner.SpecFixtures;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.testsupport.ForgelineInfraResource;
import dev.forgeline.testsupport.oidc.FakeIdentityProvider;
import dev.forgeline.testsupport.oidc.FakeIdentityProviderResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The planner with API tokens and OIDC bearer tokens both on, against a fake identity provider over HTTP (discovery,
 * JWKS, RS256): a provider's token acts with the roles of its prefixed groups and sees only the projects of its
 * claim, one the provider does not vouch for is 401 problem+json, and API tokens keep working beside it.
 */
@QuarkusTest
@TestProfile(PlannerOidcTest.OidcOn.class)
@QuarkusTestResource(value = ForgelineInfraResource.class, restrictToAnnotatedClass = false)
class PlannerOidcTest {
    private static Path repository;

    public static class OidcOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "forgeline.auth.mode", "tokens", "forgeline.auth.tokens-file", PlannerAuthTest.TOKENS.toString());
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeIdentityProviderResource.class));
        }
    }

    @BeforeAll
    static void repository() throws IOException {
        repository = GitFixture.repository(Files.createTempDirectory("oidc").resolve("repo"));
    }

    private static FakeIdentityProvider idp() {
        return FakeIdentityProviderResource.provider();
    }

    private static String spec() {
        return "# Spec: Signed in " + System.nanoTime() + "\n## Task: vague - Improve things\nMake it better.\n"
                + "Test command: sh test/all.sh\n";
    }

    private static ValidatableResponse submit(String bearer, String project) {
        return given().auth()
                .oauth2(bearer)
                .contentType(SpecFixtures.MARKDOWN)
                .queryParam("repository", repository.toString())
                .queryParam("project", project)
                .body(spec())
                .post("/specs")
                .then();
    }

    @Test
    void aProvidersTokenActsWithItsPrefixedGroupsAndSeesOnlyTheProjectsOfItsClaim() {
        String alice = idp().token("f3a1-alice")
                .username("alice")
                .groups("forgeline-submitter", "forgeline-reviewer", "staff")
                .claim("forgeline_projects", List.of("shop"))
                .build();
        String spec = submit(alice, "shop")
                .statusCode(201)
                .body("project", equalTo("shop"))
                .extract()
                .path("id");
        submit(alice, "billing")
                .statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("'alice' may not act in project 'billing'"));
        given().auth().oauth2(alice).get("/specs/{id}", spec).then().statusCode(200);

        String bob = idp().token("77b0-bob")
                .username("bob")
                .groups("forgeline-reviewer")
                .claim("forgeline_projects", "billing payroll")
                .build();
        given().auth()
                .oauth2(bob)
                .get("/specs/{id}", spec)
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        submit(bob, "billing").statusCode(403).body("detail", containsString("submitter"));

        // the audit names the provider's user
        String admin = idp().token("0-admin")
                .username("root-admin")
                .groups("forgeline-admin")
                .claim("forgeline_projects", "*")
                .build();
        given().auth()
                .oauth2(admin)
                .queryParam("action", "spec.submit")
                .queryParam("target", spec)
                .get("/audit")
                .then()
                .statusCode(200)
                .body("", hasSize(1))
                .body("[0].actor", equalTo("alice"));
    }

    @Test
    void groupsWithoutThePrefixGiveNoRoleAndNoProjectsClaimSeesNoProject() {
        String unprefixed = idp().token("1-carol")
                .groups("submitter", "admin")
                .claim("forgeline_projects", List.of("shop"))
                .build();
        submit(unprefixed, "shop").statusCode(403);
        String noProjects = idp().token("2-dave").groups("forgeline-submitter").build();
        submit(noProjects, "default")
                .statusCode(403)
                .body("detail", containsString("may not act in project 'default'"));
        given().auth().oauth2(noProjects).get("/specs").then().statusCode(200).body("", hasSize(0));
    }

    @Test
    void aTokenTheProviderDoesNotVouchForIs401AndAnApiTokenStillWorks() {
        List<String> refused = List.of(
                idp().token("x").groups("forgeline-admin").signedByAnotherKey().build(),
                idp().token("x")
                        .groups("forgeline-admin")
                        .expiresIn(Duration.ofMinutes(-5))
                        .build(),
                idp().token("x")
                        .groups("forgeline-admin")
                        .issuer("https://idp.example/realms/forgeline")
                        .build(),
                idp().token("x")
                        .groups("forgeline-admin")
                        .audience("another-app")
                        .build(),
                idp().token("x").groups("forgeline-admin").unsigned().build(),
                "not-a-jwt-at-all");
        for (String bearer : refused) {
            given().auth()
                    .oauth2(bearer)
                    .get("/specs")
                    .then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"))
                    .body("detail", containsString("identity provider does not vouch"));
        }
        int providerRequests = idp().requests().size();
        String apiToken = PlannerAuthTest.STORE
                .create("oidc-side-" + System.nanoTime(), List.of(Roles.REVIEWER), List.of(), null)
                .secret();
        given().auth().oauth2(apiToken).get("/specs").then().statusCode(200);
        given().auth()
                .oauth2(apiToken + "x")
                .get("/specs")
                .then()
                .statusCode(401)
                .body("detail", equalTo("the API token is unknown or revoked"));
        // an API token, known or not, is never sent to the identity provider
        assertThat(idp().requests()).hasSize(providerRequests);
    }

    @Test
    void whileTheProviderFailsKnownKeysStillVerifyAnUnknownOneIs401AndItIsFetchedOnceTheProviderRecovers() {
        String known = idp().token("4-frank")
                .groups("forgeline-reviewer")
                .claim("forgeline_projects", "*")
                .build();
        given().auth().oauth2(known).get("/specs").then().statusCode(200);

        idp().failNext(1_000, 503);
        try {
            // the keys the service holds need no call to the provider
            given().auth().oauth2(known).get("/specs").then().statusCode(200);
            idp().rotateKey(true);
            String newKey = idp().token("4-frank")
                    .groups("forgeline-reviewer")
                    .claim("forgeline_projects", "*")
                    .build();
            int seen = idp().requests().size();
            // the service asks for the keys again (at most once per forced-jwk-refresh-interval) and is refused
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(300))
                    .untilAsserted(() -> {
                        given().auth()
                                .oauth2(newKey)
                                .get("/specs")
                                .then()
                                .statusCode(401)
                                .contentType("application/problem+json")
                                .body("type", equalTo("https://forgeline.dev/problems/unauthenticated"));
                        List<FakeIdentityProvider.Request> requests = idp().requests();
                        assertThat(requests.subList(seen, requests.size()))
                                .anyMatch(r -> r.path().endsWith("/certs") && r.status() == 503);
                    });

            idp().failNext(0, 503);
            // quarkus-oidc fetches the keys again at most once per forced-jwk-refresh-interval (1 s in this test)
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() ->
                            given().auth().oauth2(newKey).get("/specs").then().statusCode(200));
        } finally {
            idp().failNext(0, 503);
        }
    }

    @Test
    void aRotatedSigningKeyIsFetchedWhenATokenNamesIt() {
        idp().rotateKey(false);
        String rotated = idp().token("3-erin")
                .groups("forgeline-reviewer")
                .claim("forgeline_projects", "*")
                .build();
        // within quarkus-oidc's forced-jwk-refresh-interval of the last fetch (1 s here), the unknown key waits
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(() ->
                        given().auth().oauth2(rotated).get("/specs").then().statusCode(200));
    }
}
