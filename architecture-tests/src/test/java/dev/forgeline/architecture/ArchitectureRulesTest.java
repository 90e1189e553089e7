package dev.forgeline.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.freeze.FreezingArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the architecture rules against the compiled code of every module. Rules the code broke when they were
 * introduced are frozen: their known violations are listed in {@code frozen-violations/} (committed), a new
 * violation fails, and a fixed one leaves the list when the tests run (commit the shorter list).
 */
class ArchitectureRulesTest {
    private static JavaClasses production;

    @BeforeAll
    static void importProductionCode() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.forgeline")
                .that(ForgelineRules.PRODUCTION);
    }

    @Test
    void theRulesSeeTheCodeOfEveryModule() {
        Set<String> topLevelPackages = production.stream()
                .map(JavaClass::getPackageName)
                .map(p -> p.split("\\.")[2])
                .collect(Collectors.toSet());
        // an empty or partial import would let every rule pass without looking at anything
        assertThat(topLevelPackages)
                .contains(
                        "contracts",
                        "support",
                        "embedded",
                        "stack",
                        "planner",
                        "dispatcher",
                        "worker",
                        "review",
                        "metrics")
                .doesNotContain("testtiers", "testsupport", "architecture");
    }

    @Test
    void servicesDoNotUseEachOthersCode() {
        ForgelineRules.serviceIsolation().forEach(rule -> rule.check(production));
    }

    @Test
    void contractsDependOnlyOnTheJdkAndJackson() {
        frozen(ForgelineRules.CONTRACTS_DEPEND_ONLY_ON_JDK_AND_JACKSON).check(production);
    }

    @Test
    void serviceSupportDoesNotDependOnAnyService() {
        ForgelineRules.SUPPORT_DOES_NOT_DEPEND_ON_SERVICES.check(production);
    }

    @Test
    void sqlOnlyInRepositories() {
        frozen(ForgelineRules.SQL_ONLY_IN_REPOSITORIES).check(production);
    }

    @Test
    void nativeQueriesOnlyInRepositories() {
        ForgelineRules.NATIVE_QUERIES_ONLY_IN_REPOSITORIES.check(production);
    }

    @Test
    void childProcessesOnlyInTheApprovedPackages() {
        ForgelineRules.PROCESSES_ONLY_IN_PROCESS_PACKAGES.check(production);
    }

    @Test
    void kafkaProducerOnlyInTheOutbox() {
        ForgelineRules.KAFKA_PRODUCER_ONLY_IN_OUTBOX.check(production);
    }

    @Test
    void threadsAndExecutorsOnlyInTheApprovedPlaces() {
        frozen(ForgelineRules.THREADS_ONLY_IN_APPROVED_PLACES).check(production);
    }

    @Test
    void restResourcesDoNotAccessRepositories() {
        ForgelineRules.REST_DOES_NOT_USE_REPOSITORIES.check(production);
    }

    private static ArchRule frozen(ArchRule rule) {
        return FreezingArchRule.freeze(rule);
    }
}
