package dev.forgeline.testtiers;

import java.lang.annotation.Annotation;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs one tier of the tests, chosen with the JUnit configuration parameter {@value #TIER} (the build passes
 * {@code -Dtier=...} on to it): {@code unit} disables component tests, {@code component} disables everything
 * else, {@code system} disables all of them (the system tests run under failsafe), {@code all} (the default) runs both. A component test is a class that carries, directly, through a
 * meta-annotation, a superclass or an enclosing class, one of the annotations named by
 * {@value #COMPONENT_ANNOTATIONS} (default: Quarkus's {@code @QuarkusTest}, which boots the application on
 * the real broker and database). Annotations are matched by name so that modules without Quarkus load this
 * condition too. Registered through {@code META-INF/services} and JUnit's extension auto-detection, so no
 * test class has to name it.
 */
public final class TestTierCondition implements ExecutionCondition {
    public static final String TIER = "forgeline.test.tier";
    public static final String COMPONENT_ANNOTATIONS = "forgeline.test.component-annotations";
    static final String DEFAULT_COMPONENT_ANNOTATIONS = "io.quarkus.test.junit.QuarkusTest";

    enum Tier {
        ALL,
        UNIT,
        COMPONENT,
        SYSTEM
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Tier tier = tier(context.getConfigurationParameter(TIER));
        Optional<Class<?>> testClass = context.getTestClass();
        if (tier == Tier.ALL || testClass.isEmpty()) {
            return ConditionEvaluationResult.enabled("test tier: all");
        }
        if (tier == Tier.SYSTEM) {
            // the system tests run under failsafe; the build skips surefire for this tier anyway
            return ConditionEvaluationResult.disabled("not a system test, not run with tier=system");
        }
        Set<String> componentAnnotations =
                names(context.getConfigurationParameter(COMPONENT_ANNOTATIONS).orElse(DEFAULT_COMPONENT_ANNOTATIONS));
        boolean component = isComponentTest(testClass.get(), componentAnnotations);
        if (tier == Tier.UNIT) {
            return component
                    ? ConditionEvaluationResult.disabled("component test, not run with tier=unit")
                    : ConditionEvaluationResult.enabled("unit test, tier=unit");
        }
        return component
                ? ConditionEvaluationResult.enabled("component test, tier=component")
                : ConditionEvaluationResult.disabled("unit test, not run with tier=component");
    }

    static Tier tier(Optional<String> value) {
        String tier = value.map(String::trim).orElse("").toLowerCase(Locale.ROOT);
        switch (tier) {
            case "":
            case "all":
                return Tier.ALL;
            case "unit":
                return Tier.UNIT;
            case "component":
                return Tier.COMPONENT;
            case "system":
                return Tier.SYSTEM;
            default:
                // a typo must not silently run (or skip) the wrong tests
                throw new IllegalArgumentException(
                        TIER + " (-Dtier) is '" + tier + "': expected unit, component, system or all");
        }
    }

    static boolean isComponentTest(Class<?> testClass, Set<String> componentAnnotations) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            for (Class<?> type = c; type != null && type != Object.class; type = type.getSuperclass()) {
                for (Annotation annotation : type.getAnnotations()) {
                    if (carries(annotation.annotationType(), componentAnnotations, new HashSet<>())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean carries(
            Class<? extends Annotation> annotationType, Set<String> wanted, Set<Class<?>> visited) {
        if (wanted.contains(annotationType.getName())) {
            return true;
        }
        if (!visited.add(annotationType) || annotationType.getName().startsWith("java.lang.annotation.")) {
            return false;
        }
        for (Annotation meta : annotationType.getAnnotations()) {
            if (carries(meta.annotationType(), wanted, visited)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> names(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
    }
}
