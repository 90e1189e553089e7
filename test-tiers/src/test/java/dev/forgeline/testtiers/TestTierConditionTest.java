package dev.forgeline.testtiers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs small test classes through a real JUnit Jupiter engine with the condition found the way the build finds
 * it (META-INF/services plus extension auto-detection) and counts what each tier runs and skips.
 */
class TestTierConditionTest {

    /** Plays the part of {@code @QuarkusTest}, which this module does not have on its classpath. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @Inherited
    @interface BootsApplication {}

    /** A composed annotation, like a project's own {@code @QuarkusTest}-carrying stereotype. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @BootsApplication
    @interface ComposedComponentTest {}

    static class PlainTests {
        @Test
        void one() {}

        @Test
        void two() {}
    }

    @BootsApplication
    static class ComponentTests {
        @Test
        void one() {}

        @Nested
        class Inner {
            @Test
            void inNestedClass() {}
        }
    }

    @ComposedComponentTest
    static class MetaAnnotatedComponentTests {
        @Test
        void one() {}
    }

    static class InheritedComponentTests extends ComponentTests {}

    private static EngineExecutionResults run(String tier) {
        var kit = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .configurationParameter(TestTierCondition.COMPONENT_ANNOTATIONS, BootsApplication.class.getName())
                .selectors(
                        selectClass(PlainTests.class),
                        selectClass(ComponentTests.class),
                        selectClass(MetaAnnotatedComponentTests.class));
        if (tier != null) {
            kit.configurationParameter(TestTierCondition.TIER, tier);
        }
        return kit.execute();
    }

    @Test
    void unitTierRunsOnlyTheTestsThatBootNoApplication() {
        EngineExecutionResults results = run("unit");

        assertThat(results.testEvents().succeeded().count()).isEqualTo(2);
        // whole component classes are skipped, so none of their methods (nested ones included) start
        assertThat(results.testEvents().started().count()).isEqualTo(2);
        assertThat(results.containerEvents().skipped().count()).isEqualTo(2);
    }

    @Test
    void componentTierRunsOnlyTheTestsThatBootTheApplication() {
        EngineExecutionResults results = run("component");

        // ComponentTests.one, its nested test, MetaAnnotatedComponentTests.one
        assertThat(results.testEvents().succeeded().count()).isEqualTo(3);
        assertThat(results.testEvents().started().count()).isEqualTo(3);
        assertThat(results.containerEvents().skipped().count()).isEqualTo(1);
    }

    @Test
    void withoutATierEveryTestRuns() {
        assertThat(run(null).testEvents().succeeded().count()).isEqualTo(5);
        assertThat(run("all").testEvents().succeeded().count()).isEqualTo(5);
    }

    @Test
    void aSubclassOfAComponentTestIsAComponentTest() {
        Set<String> names = Set.of(BootsApplication.class.getName());
        assertThat(TestTierCondition.isComponentTest(InheritedComponentTests.class, names))
                .isTrue();
        assertThat(TestTierCondition.isComponentTest(ComponentTests.Inner.class, names))
                .isTrue();
        assertThat(TestTierCondition.isComponentTest(PlainTests.class, names)).isFalse();
    }

    @Test
    void anUnknownTierIsAnErrorNamingTheSwitch() {
        assertThatThrownBy(() -> TestTierCondition.tier(Optional.of("componnet")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dtier")
                .hasMessageContaining("componnet");
    }
}
