package dev.forgeline.planner.service;

import java.util.List;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.planner.config.PlannerConfig;
import dev.forgeline.planner.spec.SpecError;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.InvalidRepositoryUrlException;
import dev.forgeline.support.git.RemoteCheck;
import dev.forgeline.support.git.RepositoryUrl;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;

/**
 * Checks the target repository of a spec through the shared git layer: the address must be a repository URL
 * (a local path only where {@code forgeline.planner.allow-local-paths} is on), and {@code git ls-remote} must
 * find the repository and its base branch within the ls-remote time limit. Each fault has its own problem type;
 * none repeats git's messages, which can name paths of this host.
 */
@ApplicationScoped
public class GitRepositories {
    public static final String INVALID_REPOSITORY_URL = "https://forgeline.dev/problems/invalid-repository-url";
    public static final String REPOSITORY_UNREACHABLE = "https://forgeline.dev/problems/repository-unreachable";
    public static final String REPOSITORY_NOT_FOUND = "https://forgeline.dev/problems/repository-not-found";
    public static final String BASE_BRANCH_MISSING = "https://forgeline.dev/problems/base-branch-missing";
    public static final String REPOSITORY_CREDENTIALS_REJECTED =
            "https://forgeline.dev/problems/repository-credentials-rejected";

    private static final String REPOSITORY_FIELD = "Repository";
    private static final String BASE_BRANCH_FIELD = "Base-branch";

    private final GitRunner git;
    private final PlannerConfig config;

    public GitRepositories(GitRunner git, PlannerConfig config) {
        this.git = git;
        this.config = config;
    }

    /** What is wrong with a spec's repository: its problem when it is the only fault, its line among others. */
    public record Fault(int status, String type, String title, SpecError error) {
        public ProblemException problem() {
            return new ProblemException(
                    status,
                    type,
                    title,
                    error.message(),
                    List.of(new ProblemError(error.message(), error.line(), error.field())));
        }
    }

    /** The repository as the planner stores it and sends it to workers, or the fault. */
    public record Checked(String repository, Fault fault) {
        static Checked ok(String repository) {
            return new Checked(repository, null);
        }

        static Checked fault(int status, String type, String title, SpecError error) {
            return new Checked(null, new Fault(status, type, title, error));
        }

        public Optional<Fault> failed() {
            return Optional.ofNullable(fault);
        }
    }

    /**
     * Checks {@code text} (as written in the spec at {@code line}, or the query parameter when line is null) and
     * its {@code baseBranch}.
     */
    public Checked check(String text, Integer line, String baseBranch, Integer baseBranchLine) {
        RepositoryUrl url;
        try {
            url = RepositoryUrl.parse(text, config.allowLocalPaths());
        } catch (InvalidRepositoryUrlException e) {
            return Checked.fault(
                    400,
                    INVALID_REPOSITORY_URL,
                    "Invalid repository URL",
                    new SpecError("repository address is invalid: " + e.getMessage(), line, REPOSITORY_FIELD));
        }
        if (url.isLocal() && !text.strip().startsWith("/") && !text.strip().regionMatches(true, 0, "file:", 0, 5)) {
            // resolved against this service's working directory, a relative path names whatever repository happens
            // to lie there (the service's own checkout, say): the client's folder is unknown here
            return Checked.fault(
                    400,
                    INVALID_REPOSITORY_URL,
                    "Invalid repository URL",
                    new SpecError(
                            "repository address is invalid: '" + text.strip() + "' is a relative path; give an"
                                    + " absolute path or a file:// URL (./forgeline submit resolves a relative"
                                    + " Repository line against the spec's folder)",
                            line,
                            REPOSITORY_FIELD));
        }
        String shown = url.display();
        RemoteCheck check = git.lsRemote(url, baseBranch);
        return switch (check.status()) {
            case REACHABLE -> Checked.ok(stored(url));
            case BRANCH_MISSING ->
                Checked.fault(
                        422,
                        BASE_BRANCH_MISSING,
                        "Base branch missing",
                        new SpecError(
                                "base branch '" + baseBranch + "' does not exist in repository " + shown,
                                baseBranchLine,
                                BASE_BRANCH_FIELD));
            case NOT_FOUND ->
                Checked.fault(
                        422,
                        REPOSITORY_NOT_FOUND,
                        "Repository not found",
                        new SpecError(
                                "repository " + shown + " does not exist or is not a git repository",
                                line,
                                REPOSITORY_FIELD));
            case AUTH_FAILED ->
                Checked.fault(
                        422,
                        REPOSITORY_CREDENTIALS_REJECTED,
                        "Repository credentials rejected",
                        new SpecError(
                                "the server of repository " + shown + " refused the credentials, or asked for some "
                                        + "and none are configured for host '" + url.host()
                                        + "' (forgeline.git.hosts.\"" + url.host() + "\")",
                                line,
                                REPOSITORY_FIELD));
            case UNREACHABLE ->
                Checked.fault(
                        422,
                        REPOSITORY_UNREACHABLE,
                        "Repository unreachable",
                        new SpecError(
                                "repository " + shown + " cannot be reached: the host did not answer, refused the "
                                        + "connection or kept failing within "
                                        + git.settings().lsRemoteTimeout().toSeconds() + "s",
                                line,
                                REPOSITORY_FIELD));
        };
    }

    /**
     * Every repository is stored and sent as its normalised URL, a local one as {@code file://}: each service clones
     * it into a mirror of its own, so none needs another's filesystem.
     */
    static String stored(RepositoryUrl url) {
        return url.toString();
    }
}
