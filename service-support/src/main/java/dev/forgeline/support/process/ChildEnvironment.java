package dev.forgeline.support.process;

import java.util.Locale;
import java.util.Map;

/**
 * The environment agents and test commands run with: the worker's own, minus every variable whose name contains
 * KEY, TOKEN, SECRET or PASSWORD (any case). Credentials of the machine running the worker thus never reach code
 * an agent wrote or runs; an agent that needs credentials must read them from its own configuration files.
 */
public final class ChildEnvironment {
    private static final String[] SECRET_MARKERS = {"KEY", "TOKEN", "SECRET", "PASSWORD"};

    private ChildEnvironment() {}

    /** Whether a variable of this name is withheld from child processes. */
    public static boolean isSecretName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        for (String marker : SECRET_MARKERS) {
            if (upper.contains(marker)) {
                return true;
            }
        }
        return false;
    }

    /** Removes the secret-looking variables from a process builder's environment. */
    public static void scrub(Map<String, String> environment) {
        environment.keySet().removeIf(ChildEnvironment::isSecretName);
    }
}
