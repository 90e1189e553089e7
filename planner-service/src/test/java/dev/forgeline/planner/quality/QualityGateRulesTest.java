package dev.forgeline.planner.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dev.forgeline.contracts.SpecQuality;
import dev.forgeline.planner.quality.QualityReport.Reason;
import dev.forgeline.planner.spec.ParsedTask;
import org.junit.jupiter.api.Test;

/** The rules the calibration on real tasks changed, each on a task that isolates it. */
class QualityGateRulesTest {

    private static ParsedTask task(String title, String description, List<String> acceptance, String testCommand) {
        return new ParsedTask(
                "t1",
                title,
                description,
                acceptance,
                testCommand,
                600,
                List.of(),
                null,
                0,
                Map.of(),
                null,
                1,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                !acceptance.isEmpty());
    }

    private static List<String> codes(QualityReport report) {
        return report.reasons().stream().map(Reason::code).toList();
    }

    @Test
    void improveThingsWithATestCommandStaysVague() {
        QualityReport report = QualityGate.score(task("Improve things.", "", List.of(), "sh test.sh"));
        assertThat(report.qualityClass()).isEqualTo(SpecQuality.VAGUE);
        assertThat(report.missing()).contains("acceptance criteria");
    }

    @Test
    void outcomesStatedInTheTaskTextAreCreditedAsChecks() {
        String title = "Add the export command in cmd/export.go";
        QualityReport bare = QualityGate.score(task(title, "", List.of(), "go test ./..."));
        QualityReport stated = QualityGate.score(task(
                title,
                "- with an unknown format it exits 3 and writes nothing\n"
                        + "- `export --json` returns exactly one JSON object\n"
                        + "- an empty store prints \"nothing to export\"",
                List.of(),
                "go test ./..."));
        assertThat(codes(bare)).contains("MISSING_ACCEPTANCE");
        assertThat(codes(stated)).doesNotContain("MISSING_ACCEPTANCE");
        assertThat(stated.score()).isGreaterThan(bare.score());
        assertThat(stated.qualityClass()).isEqualTo(SpecQuality.HIGHLY_SPECIFIED);
    }

    @Test
    void theWordingOfACheckIsNotBroadButTheScopeOfTheWorkIs() {
        QualityReport check = QualityGate.score(task(
                "Add the slug function in lib/slug.sh",
                "Make sure everything is green and all tests pass before finishing.",
                List.of("\"Hello World\" becomes hello-world"),
                "sh test/run_all.sh"));
        assertThat(codes(check)).doesNotContain("TOO_BROAD");
        QualityReport scope = QualityGate.score(
                task("New backend", "Throw the backend away and write all of it again.", List.of(), "sh test.sh"));
        assertThat(codes(scope)).contains("TOO_BROAD");
        assertThat(scope.qualityClass()).isEqualTo(SpecQuality.VAGUE);
    }

    @Test
    void dictatedIterationIsFoundInItsUsualPhrasings() {
        for (String phrasing :
                List.of("iterate over each", "go through each", "walk through every", "loop over each")) {
            QualityReport report = QualityGate.score(task(
                    "Deduplicate e-mails",
                    "Put the addresses in a HashSet and " + phrasing + " address, skipping those already seen.",
                    List.of("no address appears twice"),
                    "pytest"));
            assertThat(report.qualityClass()).as(phrasing).isEqualTo(SpecQuality.OVER_SPECIFIED);
            assertThat(codes(report)).as(phrasing).contains("DICTATES_ALGORITHM", "DICTATES_DATA_STRUCTURES");
        }
    }

    @Test
    void aManualCheckIsNotAgentWork() {
        QualityReport report = QualityGate.score(
                task("Execute the quickstart manual validation against the staging server", "", List.of(), "npm test"));
        assertThat(codes(report)).contains("MANUAL_CHECK");
        assertThat(report.qualityClass()).isEqualTo(SpecQuality.VAGUE);
    }

    @Test
    void kiroPropertyAndValidatesBulletsCountAsAcceptance() {
        QualityReport report = QualityGate.score(task(
                "Write property test for conflict detection",
                "**Property 7: Appointment conflict detection**\n**Validates: Requirements 4.1**",
                List.of("Property 7: Appointment conflict detection", "Validates: Requirements 4.1"),
                "pytest"));
        assertThat(codes(report)).doesNotContain("MISSING_ACCEPTANCE");
        assertThat(report.qualityClass()).isEqualTo(SpecQuality.MODERATE);
    }
}
