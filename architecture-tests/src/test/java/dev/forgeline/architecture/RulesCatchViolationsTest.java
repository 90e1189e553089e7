package dev.forgeline.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.forgeline.architecture.fixture.ChildProcessStarter;
import dev.forgeline.architecture.fixture.DirectPublisher;
import dev.forgeline.architecture.fixture.NativeQueryService;
import dev.forgeline.architecture.fixture.repository.FixtureRepository;
import dev.forgeline.architecture.fixture.rest.LeakyResource;
import dev.forgeline.metrics.archfixture.CrossServiceCaller;
import dev.forgeline.planner.archfixture.PlannerInternals;
import org.junit.jupiter.api.Test;

/**
 * Each rule, unfrozen, run over small classes that break it on purpose: proves the rules detect what they name
 * (a rule that matched nothing would pass over the real code as well).
 */
class RulesCatchViolationsTest {
    private static final JavaClasses FIXTURES = new ClassFileImporter()
            .importClasses(
                    ChildProcessStarter.class,
                    DirectPublisher.class,
                    LeakyResource.class,
                    FixtureRepository.class,
                    NativeQueryService.class,
                    CrossServiceCaller.class,
                    PlannerInternals.class);

    private static void assertViolatedBy(ArchRule rule, Class<?> culprit) {
        EvaluationResult result = rule.evaluate(FIXTURES);
        assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .as(rule.getDescription())
                .anyMatch(line -> line.contains(culprit.getName()));
    }

    @Test
    void aServiceUsingAnotherServicesClassIsCaught() {
        ArchRule metricsRule = ForgelineRules.serviceIsolation().get(ForgelineRules.SERVICES.indexOf("metrics"));
        assertViolatedBy(metricsRule, CrossServiceCaller.class);
    }

    @Test
    void sqlOutsideARepositoryIsCaught() {
        assertViolatedBy(ForgelineRules.SQL_ONLY_IN_REPOSITORIES, LeakyResource.class);
        assertThat(ForgelineRules.SQL_ONLY_IN_REPOSITORIES
                        .evaluate(FIXTURES)
                        .getFailureReport()
                        .getDetails())
                .noneMatch(line -> line.startsWith("Method <" + FixtureRepository.class.getName() + "."));
    }

    @Test
    void aNativeQueryOutsideARepositoryIsCaught() {
        assertViolatedBy(ForgelineRules.NATIVE_QUERIES_ONLY_IN_REPOSITORIES, NativeQueryService.class);
        assertThat(ForgelineRules.NATIVE_QUERIES_ONLY_IN_REPOSITORIES
                        .evaluate(FIXTURES)
                        .getFailureReport()
                        .getDetails())
                .noneMatch(line -> line.startsWith("Method <" + FixtureRepository.class.getName() + "."));
    }

    @Test
    void aChildProcessOutsideTheProcessPackagesIsCaught() {
        assertViolatedBy(ForgelineRules.PROCESSES_ONLY_IN_PROCESS_PACKAGES, ChildProcessStarter.class);
    }

    @Test
    void aThreadOrExecutorOutsideTheApprovedPlacesIsCaught() {
        EvaluationResult result = ForgelineRules.THREADS_ONLY_IN_APPROVED_PLACES.evaluate(FIXTURES);
        assertThat(result.getFailureReport().getDetails())
                .anyMatch(line -> line.contains("Thread.<init>"))
                .anyMatch(line -> line.contains("Executors.newSingleThreadExecutor"));
    }

    @Test
    void aKafkaProducerOutsideTheOutboxIsCaught() {
        assertViolatedBy(ForgelineRules.KAFKA_PRODUCER_ONLY_IN_OUTBOX, DirectPublisher.class);
    }

    @Test
    void aResourceUsingARepositoryIsCaught() {
        assertViolatedBy(ForgelineRules.REST_DOES_NOT_USE_REPOSITORIES, LeakyResource.class);
    }
}
