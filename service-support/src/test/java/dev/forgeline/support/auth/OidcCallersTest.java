package dev.forgeline.support.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jakarta.json.Json;

import org.junit.jupiter.api.Test;

class OidcCallersTest {
    @Test
    void oidcWithoutARequiredAudienceIsRefusedNamingTheSetting() {
        assertThat(OidcCallers.misconfiguration(true, List.of()))
                .hasValueSatisfying(problem -> assertThat(problem).contains("quarkus.oidc.token.audience"));
        assertThat(OidcCallers.misconfiguration(true, List.of(" "))).isPresent();
        assertThat(OidcCallers.misconfiguration(true, List.of("forgeline"))).isEmpty();
        assertThat(OidcCallers.misconfiguration(false, List.of())).isEmpty();
    }

    @Test
    void theProjectsClaimIsAnArrayOrOneStringOfNamesAndAbsentMeansNone() {
        assertThat(OidcCallers.projects(Json.createArrayBuilder()
                        .add("shop")
                        .add("billing payroll")
                        .build()))
                .containsExactly("shop", "billing", "payroll");
        assertThat(OidcCallers.projects(Json.createValue("shop, billing  shop")))
                .containsExactly("shop", "billing");
        assertThat(OidcCallers.projects("*")).containsExactly("*");
        assertThat(OidcCallers.projects(null)).isEmpty();
        assertThat(OidcCallers.projects(Json.createValue(3))).isEmpty();
    }
}
