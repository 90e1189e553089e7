package dev.forgeline.worker.classify;

import java.util.List;
import java.util.regex.Pattern;

import dev.forgeline.contracts.FailureClass;
import dev.forgeline.support.git.GitException;

/**
 * Names why an agent run or a test run failed, from its exit code and output. First match wins:
 * <ol>
 * <li>{@code TIMEOUT}: the run was stopped at the deadline, or exited 124 (coreutils {@code timeout});</li>
 * <li>{@code CONTEXT_EXHAUSTED}: the model's context window or prompt limit was hit;</li>
 * <li>{@code DEPENDENCY_RESOLUTION}: the build could not resolve or download dependencies (Maven, Gradle, npm,
 * pip, go, cargo). Checked before NETWORK: a build that cannot download its dependencies because the network is
 * down is still a dependency failure (its retry waits for the registry, not for the node);</li>
 * <li>{@code NETWORK}: DNS, refused or reset connections, unreachable hosts, SSH failures;</li>
 * <li>{@code TEST_FAILURE}: the worker's own test run exited non-zero;</li>
 * <li>{@code AGENT_ERROR}: anything else (crash, bad exit).</li>
 * </ol>
 */
public final class FailureClassifier {

    /** Which step failed: the agent itself, or the worker's run of the task's test command. */
    public enum Phase {
        AGENT,
        TESTS
    }

    private static final List<Pattern> CONTEXT_EXHAUSTED = patterns(
            "prompt is too long",
            "context[_ ]length[_ ]exceeded",
            "maximum context length is \\d+",
            "exceeds? (?:the )?(?:model'?s? )?context (?:window|length|limit)",
            "context window (?:is )?(?:full|exceeded|exhausted)",
            "ContextWindowExceededError",
            "input (?:is )?too long for (?:the )?(?:requested )?model",
            "input token count \\(\\d+\\) exceeds the maximum",
            "request exceeds the maximum allowed number of (?:input )?tokens",
            "too many tokens",
            "reduce the length of the messages",
            "token limit (?:exceeded|reached)",
            "ran out of context");

    private static final List<Pattern> DEPENDENCY_RESOLUTION = patterns(
            // Maven
            "Could not resolve dependencies for project",
            "Failed to collect dependencies at",
            "Could not transfer artifact .* from/to",
            "Non-resolvable (?:parent POM|import POM)",
            "Could not find artifact \\S+ in ",
            "was cached in the local repository, resolution will not be reattempted",
            "Plugin \\S+ or one of its dependencies could not be resolved",
            // Gradle
            "Could not resolve all (?:files|dependencies|artifacts) for configuration",
            "Could not resolve [\\w.-]+:[\\w.-]+(?::[\\w.-]+)?\\.?$",
            "Could not find [\\w.-]+:[\\w.-]+:[\\w.-]+\\.",
            "Could not GET '.*\\.(?:pom|jar|module)'",
            // npm / yarn / pnpm
            "npm (?:ERR!|error) code (?:E404|ETARGET|ERESOLVE|E403|EINTEGRITY|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET)",
            "No matching version found for",
            "unable to resolve dependency tree",
            "ERR_PNPM_(?:FETCH_404|NO_MATCHING_VERSION|PEER_DEP_ISSUES)",
            "error An unexpected error occurred: \"https://registry\\.",
            "Couldn't find package \"[^\"]+\" required by",
            // pip
            "Could not find a version that satisfies the requirement",
            "No matching distribution found for",
            "ResolutionImpossible",
            "Cannot install .* because these package versions have conflicting dependencies",
            // go
            "go: [^\\s]+@[^\\s]+: (?:reading|verifying|invalid version|unknown revision|module lookup disabled)",
            "missing go\\.sum entry for module",
            "no required module provides package",
            "cannot find module providing package",
            "go: downloading .*\\n?.*(?:dial tcp|410 Gone|404 Not Found)",
            "go: [\\w./-]+@[\\w.+-]+: .*(?:404 Not Found|410 Gone|dial tcp)",
            // cargo
            "failed to select a version for the requirement",
            "no matching package named `[^`]+` found",
            "failed to get `[^`]+` as a dependency of package",
            "failed to download from `",
            "failed to load source for dependency",
            "Unable to update registry `");

    private static final List<Pattern> NETWORK = patterns(
            "Could not resolve host",
            "Temporary failure in name resolution",
            "Name or service not known",
            "nodename nor servname provided",
            "getaddrinfo (?:ENOTFOUND|EAI_AGAIN)",
            "java\\.net\\.UnknownHostException",
            "no such host",
            "Connection refused",
            "ECONNREFUSED",
            "Connection reset by peer",
            "ECONNRESET",
            "Network is unreachable",
            "No route to host",
            "ssh: connect to host .* port \\d+",
            "Permission denied \\(publickey",
            "Host key verification failed",
            "kex_exchange_identification",
            "fatal: Could not read from remote repository",
            "Connection timed out",
            "ETIMEDOUT",
            "SSL_ERROR_SYSCALL",
            "APIConnectionError",
            "API Error: Connection error",
            "socket hang up",
            "fetch failed");

    private static final List<Pattern> AGENT_TIMEOUT_WORDS = patterns("^Terminated$");

    private FailureClassifier() {}

    /**
     * Classifies a failed run.
     *
     * @param exitCode the process's exit code (ignored when {@code timedOut})
     * @param timedOut the worker stopped it at the deadline
     * @param output   its output (tail)
     */
    public static FailureClass classify(Phase phase, int exitCode, boolean timedOut, String output) {
        String text = output == null ? "" : output;
        if (timedOut || exitCode == 124 || (exitCode == 143 && matchesAny(AGENT_TIMEOUT_WORDS, text))) {
            return FailureClass.TIMEOUT;
        }
        if (matchesAny(CONTEXT_EXHAUSTED, text)) {
            return FailureClass.CONTEXT_EXHAUSTED;
        }
        if (matchesAny(DEPENDENCY_RESOLUTION, text)) {
            return FailureClass.DEPENDENCY_RESOLUTION;
        }
        if (matchesAny(NETWORK, text)) {
            return FailureClass.NETWORK;
        }
        return phase == Phase.TESTS ? FailureClass.TEST_FAILURE : FailureClass.AGENT_ERROR;
    }

    /**
     * Classifies a failed clone, fetch or push of the attempt's repository: an unreachable or slow host is
     * {@code NETWORK} (retried); refused credentials, a missing repository and a declined push are
     * {@code AMBIGUOUS_SPEC}: trying again cannot help, a person has to fix the credentials, the address or the
     * server's rules, so the task waits for a decision.
     */
    public static FailureClass classify(GitException failure) {
        return switch (failure.failure()) {
            case UNREACHABLE, TIMEOUT -> FailureClass.NETWORK;
            case AUTH_FAILED, NOT_FOUND, REJECTED -> FailureClass.AMBIGUOUS_SPEC;
            case CONFLICT -> FailureClass.MERGE_CONFLICT;
            case OTHER -> FailureClass.AGENT_ERROR;
        };
    }

    private static boolean matchesAny(List<Pattern> patterns, String text) {
        for (Pattern pattern : patterns) {
            if (pattern.matcher(text).find()) {
                return true;
            }
        }
        return false;
    }

    private static List<Pattern> patterns(String... regexes) {
        return java.util.Arrays.stream(regexes)
                .map(regex -> Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.MULTILINE))
                .toList();
    }
}
