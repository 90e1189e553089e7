package dev.forgeline.architecture;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import java.util.List;
import java.util.stream.Stream;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The architecture rules the build enforces (see docs/architecture.md, "Rules the build enforces"). Each rule
 * names the packages allowed to do something; everything else may not.
 */
final class ForgelineRules {
    private ForgelineRules() {}

    static final List<String> SERVICES = List.of("planner", "dispatcher", "worker", "review", "metrics");

    /**
     * Where a child process may be started: the one process runner and the git layer of service-support, the CLI,
     * and the embedded infrastructure (the broker in a JVM of its own, so that fault tests can kill it).
     */
    static final String[] PROCESS_PACKAGES = {
        "dev.forgeline.embedded..",
        "dev.forgeline.stack..",
        "dev.forgeline.support.git..",
        "dev.forgeline.support.process..",
    };

    /**
     * Where a thread or executor may be created by hand: child process stream pumps, the background work of the
     * platform, the command line. Everything else uses the Quarkus scheduler, managed executors or the messaging threads.
     */
    static final String[] THREAD_PACKAGES = {
        "dev.forgeline.support.process..",
        // the git layer drains a child's output pipes on threads of its own, as process runners must
        "dev.forgeline.support.git..",
        // the one way services run background work (loops, pools, timers)
        "dev.forgeline.support.background..",
        "dev.forgeline.stack..",
    };

    /** SQL in plain JDBC: repositories, the inbox/outbox/transaction platform, the embedded server itself. */
    static final String[] SQL_PACKAGES = {
        "..repository..",
        "dev.forgeline.support.inbox..",
        "dev.forgeline.support.outbox..",
        "dev.forgeline.support.tx..",
        "dev.forgeline.embedded..",
    };

    static List<ArchRule> serviceIsolation() {
        return SERVICES.stream()
                .map(service -> noClasses()
                        .that()
                        .resideInAPackage(servicePackage(service))
                        .should()
                        .dependOnClassesThat()
                        .resideInAnyPackage(otherServices(service))
                        .as("the " + service + " service does not use another service's code")
                        .because("services talk through events and HTTP, and each one is deployed alone"))
                .toList();
    }

    static final ArchRule CONTRACTS_DEPEND_ONLY_ON_JDK_AND_JACKSON = classes()
            .that()
            .resideInAPackage("dev.forgeline.contracts..")
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(
                    "dev.forgeline.contracts..",
                    "java..",
                    "com.fasterxml.jackson.annotation..",
                    "com.fasterxml.jackson.databind..")
            .as("contracts depend only on the JDK and Jackson annotations/databind")
            .because("every service, and any outside consumer of the events, links the contracts");

    static final ArchRule SUPPORT_DOES_NOT_DEPEND_ON_SERVICES = noClasses()
            .that()
            .resideInAPackage("dev.forgeline.support..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(Stream.concat(
                            SERVICES.stream().map(ForgelineRules::servicePackage), Stream.of("dev.forgeline.stack.."))
                    .toArray(String[]::new))
            .as("service-support does not depend on any service")
            .because("it is shared by all services");

    static final ArchRule SQL_ONLY_IN_REPOSITORIES = noClasses()
            .that()
            .resideOutsideOfPackages(SQL_PACKAGES)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("java.sql..", "javax.sql..")
            .as("java.sql only in repository packages and the database platform of service-support")
            .because("SQL lives in repository/ packages");

    static final ArchRule NATIVE_QUERIES_ONLY_IN_REPOSITORIES = noClasses()
            .that()
            .resideOutsideOfPackages(SQL_PACKAGES)
            .should()
            .callMethodWhere(target(name("createNativeQuery").or(name("createNativeMutationQuery"))))
            .as("native SQL queries (EntityManager.createNativeQuery) only in repository packages")
            .because("SQL lives in repository/ packages, whether it runs through JDBC or through JPA");

    static final ArchRule PROCESSES_ONLY_IN_PROCESS_PACKAGES = noClasses()
            .that()
            .resideOutsideOfPackages(PROCESS_PACKAGES)
            .should()
            .dependOnClassesThat()
            .belongToAnyOf(ProcessBuilder.class, Process.class)
            .orShould()
            .callMethodWhere(target(name("exec")).and(target(owner(JavaClass.Predicates.equivalentTo(Runtime.class)))))
            // the description is the key of the frozen violations: it names the list rather than its contents
            .as("child processes are started only in the approved process and git packages (PROCESS_PACKAGES)")
            .because("one place per kind of child process handles its environment, output and termination");

    static final ArchRule KAFKA_PRODUCER_ONLY_IN_OUTBOX = noClasses()
            .that()
            .resideOutsideOfPackage("dev.forgeline.support.outbox..")
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("org.apache.kafka.clients.producer.KafkaProducer")
            .as("KafkaProducer only in service-support's outbox")
            .because("events leave a service through the transactional outbox, never straight to the broker");

    static final ArchRule THREADS_ONLY_IN_APPROVED_PLACES = noClasses()
            .that()
            .resideOutsideOfPackages(THREAD_PACKAGES)
            .should()
            .callConstructorWhere(target(owner(JavaClass.Predicates.assignableTo(Thread.class))))
            .orShould()
            .callMethodWhere(target(owner(JavaClass.Predicates.equivalentTo(java.util.concurrent.Executors.class))))
            .as("new Thread and Executors.* only in the approved places (THREAD_PACKAGES)")
            .because("hand-made threads escape shutdown, context propagation and the health checks");

    static final ArchRule REST_DOES_NOT_USE_REPOSITORIES = noClasses()
            .that()
            .resideInAPackage("..rest..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("..repository..")
            .as("REST resources do not access repositories directly")
            .because("resources are thin: they call a service, which owns the transaction");

    static String servicePackage(String service) {
        return "dev.forgeline." + service + "..";
    }

    private static String[] otherServices(String service) {
        return SERVICES.stream()
                .filter(other -> !other.equals(service))
                .map(ForgelineRules::servicePackage)
                .toArray(String[]::new);
    }

    /** Forgeline's own production classes; test libraries (test-tiers) are not part of the product. */
    static final DescribedPredicate<JavaClass> PRODUCTION = DescribedPredicate.describe(
            "Forgeline production code", c -> !c.getPackageName().startsWith("dev.forgeline.testtiers"));
}
