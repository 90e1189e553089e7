package dev.forgeline.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReviewRiskTest {
    @Test
    void migrationsBuildFilesAndManifestsForecastPairReview() {
        assertThat(ReviewRisk.predict(Map.of(), List.of("src/main/resources/db/migration/V2__add.sql")))
                .isEqualTo(3);
        assertThat(ReviewRisk.predict(Map.of(), List.of("README.md", "pom.xml")))
                .isEqualTo(3);
        assertThat(ReviewRisk.predict(Map.of(), List.of("k8s/worker.yaml"))).isEqualTo(3);
    }

    @Test
    void authApiAndSchemaFilesForecastFullReview() {
        assertThat(ReviewRisk.predict(Map.of(), List.of("src/main/java/x/auth/TokenFilter.java")))
                .isEqualTo(2);
        assertThat(ReviewRisk.predict(Map.of(), List.of("src/main/java/x/rest/SpecResource.java")))
                .isEqualTo(2);
        assertThat(ReviewRisk.predict(Map.of(), List.of("api/openapi.yaml"))).isEqualTo(2);
        assertThat(ReviewRisk.needsHumanReview(Map.of(), List.of("proto/task.proto")))
                .isTrue();
    }

    @Test
    void plainSourceAndDocsForecastAQuickScan() {
        assertThat(ReviewRisk.predict(Map.of(), List.of("src/slugify.sh", "docs/guide.md")))
                .isEqualTo(1);
        assertThat(ReviewRisk.needsHumanReview(null, null)).isFalse();
    }

    @Test
    void anExplicitReviewLabelWinsOverThePaths() {
        assertThat(ReviewRisk.predict(Map.of("review", "0"), List.of("pom.xml")))
                .isZero();
        assertThat(ReviewRisk.predict(Map.of("review", "3"), List.of("a.txt"))).isEqualTo(3);
        assertThat(ReviewRisk.predict(Map.of("review", "high"), List.of("a.txt")))
                .isEqualTo(1);
    }
}
