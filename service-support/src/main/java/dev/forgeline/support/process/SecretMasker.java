package dev.forgeline.support.process;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in output lines before they travel in heartbeats and results: assignments to secret-looking
 * names, bearer tokens, well-known token shapes, and the literal values of this process's own secret variables.
 */
public final class SecretMasker {
    private static final String MASK = "***";
    private static final Pattern ASSIGNMENT = Pattern.compile(
            "(?i)([A-Za-z0-9_.-]*(?:key|token|secret|password|passwd)[A-Za-z0-9_.-]*\"?\\s*[=:]\\s*\"?)([^\\s\"',;]+)");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{8,}");
    private static final Pattern TOKEN_SHAPES = Pattern.compile(
            "\\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}"
                    + "|xox[baprs]-[A-Za-z0-9-]{10,})");
    private static final List<String> OWN_SECRET_VALUES = System.getenv().entrySet().stream()
            .filter(e -> ChildEnvironment.isSecretName(e.getKey()))
            .map(Map.Entry::getValue)
            .filter(v -> v != null && v.length() >= 6)
            .sorted(Comparator.comparingInt(String::length).reversed())
            .toList();

    /** Secret values this process learnt at run time (agent profiles' provider keys), masked wherever they appear. */
    private static final Set<String> REGISTERED_VALUES = new CopyOnWriteArraySet<>();

    private SecretMasker() {}

    /** Masks this value from now on wherever it appears (values shorter than 6 characters are ignored). */
    public static void register(String secretValue) {
        if (secretValue != null && secretValue.strip().length() >= 6) {
            REGISTERED_VALUES.add(secretValue.strip());
        }
    }

    /** Masks only the known secret values (this process's secret variables, registered keys): safe on source code. */
    public static String maskKnownValues(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String value : OWN_SECRET_VALUES) {
            masked = masked.replace(value, MASK);
        }
        for (String value : REGISTERED_VALUES) {
            masked = masked.replace(value, MASK);
        }
        return masked;
    }

    /** Whether the text holds a known secret value. */
    public static boolean containsKnownValue(String text) {
        return text != null && !text.equals(maskKnownValues(text));
    }

    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        for (String value : OWN_SECRET_VALUES) {
            masked = masked.replace(value, MASK);
        }
        for (String value : REGISTERED_VALUES) {
            masked = masked.replace(value, MASK);
        }
        masked = ASSIGNMENT.matcher(masked).replaceAll(m -> Matcher.quoteReplacement(m.group(1)) + MASK);
        masked = BEARER.matcher(masked).replaceAll("$1" + MASK);
        return TOKEN_SHAPES.matcher(masked).replaceAll(MASK);
    }
}
