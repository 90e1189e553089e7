package dev.forgeline.planner.service;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.contracts.Projects;
import dev.forgeline.planner.config.PlannerConfig;
import dev.forgeline.planner.dto.LintReport;
import dev.forgeline.planner.dto.SpecView;
import dev.forgeline.planner.llm.LlmPlanner;
import dev.forgeline.planner.quality.QualityGate;
import dev.forgeline.planner.quality.QualityReport;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecError;
import dev.forgeline.planner.spec.SpecFormat;
import dev.forgeline.planner.spec.SpecFormats;
import dev.forgeline.planner.spec.SpecLimits;
import dev.forgeline.planner.spec.SpecValidator;
import dev.forgeline.support.auth.Callers;
import dev.forgeline.support.problem.Problem.ProblemError;
import dev.forgeline.support.problem.ProblemException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Takes a submitted spec: checks it is text of an acceptable size, reads it in its format, validates it
 * completely (format, task graph, target repository and base branch), scores every task, and only then stores
 * it. A spec with any fault is refused as a whole with every fault listed; nothing is stored.
 */
@ApplicationScoped
public class SpecSubmissionService {
    public static final String INVALID_SPEC = "https://forgeline.dev/problems/invalid-spec";
    public static final String SPEC_TOO_LARGE = "https://forgeline.dev/problems/spec-too-large";
    public static final String SPEC_NOT_TEXT = "https://forgeline.dev/problems/spec-not-text";
    public static final String NEEDS_LLM = "https://forgeline.dev/problems/format-needs-llm";

    private final PlannerConfig config;
    private final SpecFormats formats;
    private final SpecLimits limits;
    private final GitRepositories git;
    private final SpecService specs;
    private final LlmPlanner llm;

    public SpecSubmissionService(PlannerConfig config, GitRepositories git, SpecService specs, LlmPlanner llm) {
        this.config = config;
        this.formats = new SpecFormats(config.defaultEstimate());
        PlannerConfig.Limits l = config.limits();
        this.limits = new SpecLimits(
                l.maxTasks(), l.maxLabelsPerTask(), l.maxTitleLength(), l.maxTextLength(), l.maxEstimate());
        this.git = git;
        this.specs = specs;
        this.llm = llm;
    }

    /** What a request asks for besides the text; every field may be null. */
    public record Options(
            String format,
            String repository,
            String baseBranch,
            String testCommand,
            String idempotencyKey,
            String project) {
        public static Options none() {
            return new Options(null, null, null, null, null, null);
        }

        /** Options without a project parameter. */
        public Options(String format, String repository, String baseBranch, String testCommand, String idempotencyKey) {
            this(format, repository, baseBranch, testCommand, idempotencyKey, null);
        }
    }

    /** The spec as bytes: refused with 413 over the limit, 415 when not UTF-8 text. */
    public String decode(byte[] body) {
        byte[] bytes = body == null ? new byte[0] : body;
        if (bytes.length > config.maxSpecBytes()) {
            throw tooLarge(bytes.length);
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw notText("the spec is binary: it has a NUL byte at offset " + i, lineAt(bytes, i));
            }
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            String text = decoder.decode(ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            int offset = firstInvalidUtf8(bytes);
            throw notText(
                    "the spec is not UTF-8: invalid byte 0x" + String.format("%02x", bytes[Math.max(0, offset)] & 0xff)
                            + " at offset " + offset,
                    lineAt(bytes, offset));
        }
    }

    /**
     * @throws ProblemException 400 listing every fault, 413 for a spec over the size limit, 422 for free-form
     *                          text without an LLM planner
     */
    public SpecView submit(String markdown, Options options) {
        return submit(markdown, options, null);
    }

    /**
     * As {@link #submit(String, Options)}, by {@code caller}: a spec for a project the caller's token does not
     * carry is refused with 403 naming the project, before anything else of it is checked.
     */
    public SpecView submit(String markdown, Options options, SecurityIdentity caller) {
        String text = markdown == null ? "" : markdown;
        checkSize(text);
        Read read = read(text, options);
        ParsedSpec parsed = read.spec;
        String project = project(parsed, options);
        Callers.requireSubmitInto(caller, project);
        List<SpecError> errors = new ArrayList<>(SpecValidator.validate(parsed, limits));
        if (parsed.blank()) {
            throw invalid(errors);
        }

        boolean repositoryGiven = !isBlank(options.repository());
        String repositoryText = repositoryGiven ? options.repository().strip() : parsed.repository();
        Integer repositoryLine = repositoryGiven ? null : parsed.repositoryLine();
        boolean branchGiven = !isBlank(options.baseBranch());
        String baseBranch = branchGiven
                ? options.baseBranch().strip()
                : parsed.baseBranch() != null ? parsed.baseBranch() : config.defaultBaseBranch();
        Integer baseBranchLine = branchGiven ? null : parsed.baseBranchLine();

        String repository = null;
        if (repositoryText == null) {
            errors.add(new SpecError(
                    "no repository: add a 'Repository:' line before the first task or pass the "
                            + "repository query parameter",
                    null,
                    "Repository"));
        } else {
            GitRepositories.Checked checked = git.check(repositoryText, repositoryLine, baseBranch, baseBranchLine);
            if (checked.failed().isPresent()) {
                GitRepositories.Fault fault = checked.fault();
                if (errors.isEmpty()) {
                    throw fault.problem();
                }
                errors.add(fault.error());
            }
            repository = checked.repository();
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        List<QualityReport> quality =
                parsed.tasks().stream().map(QualityGate::score).toList();
        return specs.create(new NewSpec(
                parsed.name(),
                repository,
                baseBranch,
                text,
                parsed.tasks(),
                quality,
                parsed.format().wireName(),
                read.defaultTestCommand,
                options.idempotencyKey(),
                project,
                caller == null || caller.getPrincipal() == null
                        ? null
                        : caller.getPrincipal().getName()));
    }

    /**
     * The spec's project: its {@code Project:} line or the {@code project} parameter (both given and different: 400
     * naming both), else {@code forgeline.planner.default-project}; a name that is not {@code [a-z0-9][a-z0-9-]*}
     * (at most 63 characters) is 400 naming where it came from. Checked before the spec's other faults: the
     * caller's right to submit into it is checked against this name.
     */
    public String project(ParsedSpec parsed, Options options) {
        String field = parsed.project();
        String parameter = isBlank(options.project()) ? null : options.project().strip();
        if (field != null && parameter != null && !field.equals(parameter)) {
            String detail = "the spec's 'Project: " + field + "' (line " + parsed.projectLine()
                    + ") and the project parameter '" + parameter + "' differ; give one, or the same in both";
            throw ProblemException.badRequest(
                    INVALID_SPEC,
                    "Conflicting project",
                    detail,
                    List.of(
                            new ProblemError(detail, parsed.projectLine(), "Project"),
                            new ProblemError(detail, null, "project")));
        }
        String project = field != null ? field : parameter != null ? parameter : config.defaultProject();
        if (!Projects.isValidName(project)) {
            String where =
                    field != null ? "Project" : parameter != null ? "project" : "forgeline.planner.default-project";
            String detail = "project '" + project + "' is not a project name: lower-case letters, digits and dashes,"
                    + " starting with a letter or digit, at most 63 characters";
            throw ProblemException.badRequest(
                    INVALID_SPEC,
                    "Invalid project",
                    detail,
                    List.of(new ProblemError(detail, field != null ? parsed.projectLine() : null, where)));
        }
        return project;
    }

    /** The full quality report of a spec, and its faults; stores nothing and needs no repository. */
    public LintReport lint(String markdown, Options options) {
        String text = markdown == null ? "" : markdown;
        checkSize(text);
        Read read = read(text, options);
        ParsedSpec parsed = read.spec;
        List<SpecError> errors = new ArrayList<>(SpecValidator.validate(parsed, limits));
        // lint reports a missing test command as a quality finding, not as a fault
        errors.removeIf(e -> "Test command".equals(e.field()) && parsed.format() != SpecFormat.FORGELINE);
        List<LintReport.TaskReport> reports = new ArrayList<>();
        java.util.Map<String, Long> classes = new java.util.LinkedHashMap<>();
        for (dev.forgeline.contracts.SpecQuality q : dev.forgeline.contracts.SpecQuality.values()) {
            classes.put(q.name(), 0L);
        }
        for (ParsedTask task : parsed.tasks()) {
            QualityReport report = QualityGate.score(task);
            classes.merge(report.qualityClass().name(), 1L, Long::sum);
            reports.add(new LintReport.TaskReport(
                    task.id(),
                    task.title(),
                    task.line(),
                    report.qualityClass(),
                    report.score(),
                    report.reasons(),
                    report.missing(),
                    task.dependsOn(),
                    task.files(),
                    report.qualityClass() == dev.forgeline.contracts.SpecQuality.VAGUE
                            ? "NEEDS_DECISION"
                            : "DISPATCHABLE"));
        }
        errors.sort(Comparator.comparing(e -> e.line() == null ? 0 : e.line()));
        return new LintReport(
                parsed.name(),
                parsed.format().wireName(),
                errors.isEmpty(),
                errors.stream()
                        .map(e -> new ProblemError(e.message(), e.line(), e.field()))
                        .toList(),
                classes,
                reports,
                parsed.skipped().stream()
                        .map(s -> s.id() + " (line " + s.line() + ", " + s.reason() + ")")
                        .toList());
    }

    private record Read(ParsedSpec spec, String defaultTestCommand) {}

    private Read read(String text, Options options) {
        SpecFormat format;
        if (!isBlank(options.format())) {
            format = SpecFormat.fromWireName(options.format())
                    .orElseThrow(() -> ProblemException.badRequest(
                            INVALID_SPEC,
                            "Unknown spec format",
                            "format '" + options.format() + "' is not one of " + formatNames(),
                            List.of(new ProblemError("format must be one of " + formatNames(), null, "format"))));
        } else {
            format = SpecFormats.detect(text);
        }
        ParsedSpec parsed;
        if (format == SpecFormat.FREEFORM) {
            if (!llm.configured()) {
                throw new ProblemException(
                        422,
                        NEEDS_LLM,
                        "Free-form spec needs the LLM planner",
                        "the spec has no '## Task:' sections, spec-kit items ('- [ ] T001 ...') or Kiro items "
                                + "('- [ ] 1. ...'), and no LLM planner is configured "
                                + "(forgeline.planner.llm.provider); formats that need none: forgeline, speckit, kiro",
                        List.of(new ProblemError(
                                "write the spec in one of: forgeline ('## Task: <id> - <title>'), "
                                        + "speckit ('- [ ] T001 [P] ...'), kiro ('- [ ] 1. ...')",
                                1,
                                "format")));
            }
            parsed = llm.plan(text);
        } else {
            parsed = formats.parse(text, format);
        }
        String defaultCommand = null;
        if (parsed.format() != SpecFormat.FORGELINE) {
            defaultCommand = !isBlank(options.testCommand())
                    ? options.testCommand().strip()
                    : config.defaultTestCommand().filter(c -> !c.isBlank()).orElse(null);
            if (defaultCommand != null) {
                String command = defaultCommand;
                parsed = new ParsedSpec(
                        parsed.name(),
                        parsed.repository(),
                        parsed.repositoryLine(),
                        parsed.baseBranch(),
                        parsed.baseBranchLine(),
                        parsed.description(),
                        parsed.tasks().stream()
                                .map(t -> t.testCommand() == null ? t.withTestCommand(command) : t)
                                .toList(),
                        parsed.taskSections(),
                        parsed.blank(),
                        parsed.errors(),
                        parsed.format(),
                        parsed.skipped(),
                        parsed.project(),
                        parsed.projectLine());
            }
        }
        return new Read(parsed, defaultCommand);
    }

    private static String formatNames() {
        return Arrays.stream(SpecFormat.values()).map(SpecFormat::wireName).collect(Collectors.joining(", "));
    }

    private void checkSize(String text) {
        long size = text.getBytes(StandardCharsets.UTF_8).length;
        if (size > config.maxSpecBytes()) {
            throw tooLarge(size);
        }
    }

    private ProblemException tooLarge(long size) {
        return new ProblemException(
                413,
                SPEC_TOO_LARGE,
                "Spec too large",
                "the spec has " + size + " bytes; the limit is " + config.maxSpecBytes(),
                List.of());
    }

    private static ProblemException notText(String message, int line) {
        return new ProblemException(
                415, SPEC_NOT_TEXT, "Spec is not UTF-8 text", message, List.of(new ProblemError(message, line, null)));
    }

    private static int lineAt(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
    static int firstInvalidUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.charset.CoderResult result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : bytes.length;
    }

    private static ProblemException invalid(List<SpecError> unsorted) {
        List<SpecError> errors = new ArrayList<>(unsorted);
        errors.sort(Comparator.comparing(e -> e.line() == null ? 0 : e.line()));
        String detail = errors.size() == 1
                ? "the spec has 1 error: " + errors.get(0).message()
                : "the spec has " + errors.size() + " errors; the first: "
                        + errors.get(0).message();
        return ProblemException.badRequest(
                INVALID_SPEC,
                "Invalid spec",
                detail,
                errors.stream()
                        .map(e -> new ProblemError(e.message(), e.line(), e.field()))
                        .toList());
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
