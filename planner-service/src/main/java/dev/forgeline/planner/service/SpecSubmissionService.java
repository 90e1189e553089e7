package dev.forgeline.planner.service;

import dev.forgeline.planner.config.PlannerConfig;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.SpecError;
import dev.forgeline.planner.spec.SpecParser;
import dev.forgeline.planner.spec.SpecValidator;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Takes a submitted spec: parses it, validates it completely (format, task graph, target repository and
 * base branch) and only then stores it. A spec with any fault is refused as a whole with every fault listed.
 */
@ApplicationScoped
public class SpecSubmissionService {
    public static final String INVALID_SPEC = "https://forgeline.dev/problems/invalid-spec";
    public static final String SPEC_TOO_LARGE = "https://forgeline.dev/problems/spec-too-large";

    private final PlannerConfig config;
    private final SpecParser parser;
    private final GitRepositories git;
    private final SpecService specs;

    public SpecSubmissionService(PlannerConfig config, GitRepositories git, SpecService specs) {
        this.config = config;
        this.parser = new SpecParser(config.defaultEstimate());
        this.git = git;
        this.specs = specs;
    }

    /**
     * @param markdown           the spec text
     * @param repositoryOverride replaces the spec's {@code Repository:} line when not blank
     * @param baseBranchOverride replaces the spec's {@code Base-branch:} line when not blank
     * @throws ProblemException 400 listing every fault, or 413 for a spec over the size limit
     */
    public SpecView submit(String markdown, String repositoryOverride, String baseBranchOverride) {
        String text = markdown == null ? "" : markdown;
        long size = text.getBytes(StandardCharsets.UTF_8).length;
        if (size > config.maxSpecBytes()) {
            throw new ProblemException(413, SPEC_TOO_LARGE, "Spec too large",
                    "the spec has " + size + " bytes; the limit is " + config.maxSpecBytes(), List.of());
        }
        ParsedSpec parsed = parser.parse(text);
        List<SpecError> errors = new ArrayList<>(SpecValidator.validate(parsed));
        if (parsed.blank()) {
            throw invalid(errors);
        }

        boolean repositoryGiven = !isBlank(repositoryOverride);
        String repositoryText = repositoryGiven ? repositoryOverride.strip() : parsed.repository();
        Integer repositoryLine = repositoryGiven ? null : parsed.repositoryLine();
        boolean branchGiven = !isBlank(baseBranchOverride);
        String baseBranch = branchGiven ? baseBranchOverride.strip()
                : parsed.baseBranch() != null ? parsed.baseBranch() : config.defaultBaseBranch();
        Integer baseBranchLine = branchGiven ? null : parsed.baseBranchLine();

        Path repository = null;
        if (repositoryText == null) {
            errors.add(new SpecError("no repository: add a 'Repository:' line before the first task or pass the "
                    + "repository query parameter", null, "Repository"));
        } else {
            repository = checkRepository(repositoryText, repositoryLine, baseBranch, baseBranchLine, errors);
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return specs.create(new NewSpec(parsed.name(), repository.toString(), baseBranch, text, parsed.tasks()));
    }

    /** The repository as an absolute normalised path, or null after adding the faults to {@code errors}. */
    private Path checkRepository(String text, Integer line, String baseBranch, Integer baseBranchLine,
            List<SpecError> errors) {
        Path path;
        try {
            path = Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            errors.add(new SpecError("repository '" + text + "' is not a valid path", line, "Repository"));
            return null;
        }
        if (!Files.exists(path)) {
            errors.add(new SpecError("repository " + path + " does not exist", line, "Repository"));
            return null;
        }
        if (!Files.isDirectory(path) || !git.isRepository(path)) {
            errors.add(new SpecError("repository " + path + " is not a git repository", line, "Repository"));
            return null;
        }
        if (!git.hasBranch(path, baseBranch)) {
            errors.add(new SpecError("base branch '" + baseBranch + "' does not exist in repository " + path,
                    baseBranchLine, "Base-branch"));
            return null;
        }
        return path;
    }

    private static ProblemException invalid(List<SpecError> unsorted) {
        List<SpecError> errors = new ArrayList<>(unsorted);
        errors.sort(Comparator.comparing(e -> e.line() == null ? 0 : e.line()));
        String detail = errors.size() == 1
                ? "the spec has 1 error: " + errors.get(0).message()
                : "the spec has " + errors.size() + " errors; the first: " + errors.get(0).message();
        return ProblemException.badRequest(INVALID_SPEC, "Invalid spec", detail,
                errors.stream().map(e -> new ProblemError(e.message(), e.line(), e.field())).toList());
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
