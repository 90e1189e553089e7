package dev.forgeline.planner.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Forgeline's native Markdown spec format.
 *
 * <pre>
 * # Spec: Text kit utilities
 * Repository: /abs/path/to/repo
 * Base-branch: main
 * Project: web-shop
 *
 * ## Task: T1 - Add slugify
 * Turn titles into URL slugs.
 * Acceptance:
 * - lowercases the input
 * Test command: sh test/t1_test.sh
 * Estimate: 10m
 * </pre>
 *
 * Field keys are case-insensitive; every line of a task section that is not a field is its description.
 * Parsing never stops at the first fault: every fault is collected with its line so an author can fix them
 * all at once. Lines inside fenced code blocks are always description.
 */
public final class SpecParser {
    /** Task ids end up in git branch names. */
    public static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private static final Pattern TASK_HEADING = Pattern.compile("##\\s+Task\\s*:(.*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern SPEC_HEADING = Pattern.compile("#\\s+(.*)");
    private static final Pattern SPEC_PREFIX = Pattern.compile("spec\\s*:\\s*(.*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z][A-Za-z _-]*");
    private static final Pattern BULLET = Pattern.compile("\\s*(?:[-*+]|\\d+[.)])\\s+(.*)");
    private static final Pattern FENCE = Pattern.compile("\\s*(?:```|~~~).*");
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");

    private static final Map<String, String> TASK_FIELDS = Map.ofEntries(
            Map.entry("depends-on", "Depends-on"),
            Map.entry("acceptance", "Acceptance"),
            Map.entry("acceptance-criteria", "Acceptance"),
            Map.entry("test-command", "Test command"),
            Map.entry("estimate", "Estimate"),
            Map.entry("priority", "Priority"),
            Map.entry("labels", "Labels"),
            Map.entry("requires", "Requires"),
            Map.entry("agent", "Agent"),
            Map.entry("agent-profile", "Agent"),
            Map.entry("inputs", "Inputs"),
            Map.entry("outputs", "Outputs"),
            Map.entry("constraints", "Constraints"),
            Map.entry("files", "Files"));
    private static final Map<String, String> HEADER_FIELDS = Map.of(
            "repository", "Repository",
            "base-branch", "Base-branch",
            "project", "Project");

    private final long defaultEstimateSeconds;

    /** @param defaultEstimate the estimate of a task without an {@code Estimate:} field */
    public SpecParser(Duration defaultEstimate) {
        this.defaultEstimateSeconds = defaultEstimate.toSeconds();
    }

    /**
     * {@code Name: value} split at the first colon into name (trailing blanks dropped) and value, or null when the
     * part before the colon is not a field name. Linear in the line's length: a pattern with a lazy name and
     * {@code \\s*} before the colon tried every split of a long run of blanks.
     */
    static String[] splitField(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String name = line.substring(0, colon).stripTrailing();
        return FIELD_NAME.matcher(name).matches() ? new String[] {name, line.substring(colon + 1)} : null;
    }

    public ParsedSpec parse(String markdown) {
        return new Run(markdown == null ? "" : markdown).parse();
    }

    /** The state of one parse; a parser instance is reusable and thread-safe. */
    private final class Run {
        private final String markdown;
        private final List<SpecError> errors = new ArrayList<>();
        private final List<ParsedTask> tasks = new ArrayList<>();
        private final Map<String, Integer> taskLines = new HashMap<>();
        private final List<String> specDescription = new ArrayList<>();
        private final Map<String, Integer> headerLines = new HashMap<>();
        private String name;
        private String repository;
        private String baseBranch;
        private String project;
        private int taskSections;
        private TaskSection task;

        Run(String markdown) {
            this.markdown = markdown;
        }

        ParsedSpec parse() {
            if (markdown.isBlank()) {
                errors.add(new SpecError("the spec is empty", null, null));
                return new ParsedSpec(
                        "untitled",
                        null,
                        null,
                        null,
                        null,
                        "",
                        List.of(),
                        0,
                        true,
                        errors,
                        SpecFormat.FORGELINE,
                        List.of());
            }
            List<String> lines = markdown.lines().toList();
            boolean inFence = false;
            for (int i = 0; i < lines.size(); i++) {
                int lineNo = i + 1;
                String line = lines.get(i);
                if (FENCE.matcher(line).matches()) {
                    inFence = !inFence;
                    text(line);
                    continue;
                }
                if (inFence) {
                    text(line);
                    continue;
                }
                Matcher heading = TASK_HEADING.matcher(line.strip());
                if (heading.matches()) {
                    finishTask();
                    taskSections++;
                    task = new TaskSection(lineNo, heading.group(1));
                    continue;
                }
                if (task == null) {
                    header(line, lineNo);
                } else {
                    task.line(line, lineNo);
                }
            }
            finishTask();
            errors.sort(Comparator.comparing(e -> e.line() == null ? 0 : e.line()));
            return new ParsedSpec(
                    name == null ? "untitled" : name,
                    repository,
                    headerLines.get("Repository"),
                    baseBranch,
                    headerLines.get("Base-branch"),
                    joinDescription(specDescription),
                    tasks,
                    taskSections,
                    false,
                    errors,
                    SpecFormat.FORGELINE,
                    List.of(),
                    project,
                    headerLines.get("Project"));
        }

        private void text(String line) {
            if (task == null) {
                specDescription.add(line);
            } else {
                task.endList();
                task.description.add(line);
            }
        }

        private void header(String line, int lineNo) {
            Matcher specHeading = SPEC_HEADING.matcher(line.strip());
            if (name == null && specHeading.matches()) {
                String title = specHeading.group(1).strip();
                Matcher prefixed = SPEC_PREFIX.matcher(title);
                name = prefixed.matches() ? prefixed.group(1).strip() : title;
                if (name.isEmpty()) {
                    name = "untitled";
                }
                return;
            }
            String[] field = splitField(line.strip());
            String key = field != null ? HEADER_FIELDS.get(normalise(field[0])) : null;
            if (key == null) {
                specDescription.add(line);
                return;
            }
            String value = field[1].strip();
            if (!firstOccurrence(headerLines, key, lineNo)) {
                return;
            }
            if (value.isEmpty()) {
                errors.add(new SpecError(key + " is empty", lineNo, key));
            } else if (key.equals("Repository")) {
                repository = value;
            } else if (key.equals("Project")) {
                project = value;
            } else {
                baseBranch = value;
            }
        }

        /** Records where a single-valued field is given; a second occurrence is a fault. */
        private boolean firstOccurrence(Map<String, Integer> seen, String key, int lineNo) {
            Integer first = seen.putIfAbsent(key, lineNo);
            if (first != null) {
                errors.add(new SpecError(key + " is given twice (first on line " + first + ")", lineNo, key));
                return false;
            }
            return true;
        }

        private void finishTask() {
            if (task == null) {
                return;
            }
            TaskSection section = task;
            task = null;
            if (section.id == null) {
                return;
            }
            Integer first = taskLines.putIfAbsent(section.id, section.headingLine);
            if (first != null) {
                errors.add(new SpecError(
                        "duplicate task id '" + section.id + "' (first declared on line " + first + ")",
                        section.headingLine,
                        "Task"));
                return;
            }
            String description = joinDescription(section.description);
            // the files it writes: its Files: and Outputs:, and what its text says it creates or changes; never
            // what it only reads (Inputs:) or runs
            Map<String, String> written = new LinkedHashMap<>();
            section.files.stream().map(SpecParser::unquote).forEach(f -> written.putIfAbsent(f, "Files:"));
            Map<String, String> outputs = new LinkedHashMap<>();
            FileMentions.addWritten(outputs, String.join("\n", section.outputs));
            outputs.keySet().forEach(f -> written.putIfAbsent(f, "Outputs:"));
            FileMentions.addWritten(written, section.title, description, String.join("\n", section.acceptance));
            List<String> files = new ArrayList<>(written.keySet());
            tasks.add(new ParsedTask(
                    section.id,
                    section.title,
                    description,
                    section.acceptance,
                    section.testCommand,
                    section.estimateSeconds == null ? defaultEstimateSeconds : section.estimateSeconds,
                    new ArrayList<>(section.dependsOn),
                    section.fieldLines.get("Depends-on"),
                    section.priority,
                    section.labels,
                    section.agentProfile,
                    section.headingLine,
                    section.inputs,
                    section.outputs,
                    section.constraints,
                    files,
                    section.fieldLines.containsKey("Acceptance"),
                    section.requires,
                    written));
        }

        /** One {@code ## Task:} section being read. */
        private final class TaskSection {
            final int headingLine;
            final String id;
            final String title;
            final List<String> description = new ArrayList<>();
            final List<String> acceptance = new ArrayList<>();
            final List<String> inputs = new ArrayList<>();
            final List<String> outputs = new ArrayList<>();
            final List<String> constraints = new ArrayList<>();
            final List<String> files = new ArrayList<>();
            final LinkedHashSet<String> dependsOn = new LinkedHashSet<>();
            final Map<String, String> labels = new LinkedHashMap<>();
            final Map<String, String> requires = new LinkedHashMap<>();
            final Map<String, Integer> fieldLines = new HashMap<>();
            String testCommand;
            Long estimateSeconds;
            int priority;
            String agentProfile;
            /** the list field (Acceptance, Inputs, ...) whose bullets are being read, or null */
            List<String> currentList;

            TaskSection(int headingLine, String headingText) {
                this.headingLine = headingLine;
                String text = headingText.strip();
                int end = 0;
                while (end < text.length() && !isIdEnd(text.charAt(end))) {
                    end++;
                }
                String candidate = text.substring(0, end);
                String rest = text.substring(end).strip();
                if (!rest.isEmpty() && "-—–:".indexOf(rest.charAt(0)) >= 0) {
                    rest = rest.substring(1).strip();
                }
                if (candidate.isEmpty()) {
                    errors.add(new SpecError(
                            "task heading has no task id (expected '## Task: <id> - <title>')", headingLine, "Task"));
                    candidate = null;
                } else if (!TASK_ID.matcher(candidate).matches()) {
                    errors.add(new SpecError(
                            "task id '" + candidate + "' is invalid: it must match " + TASK_ID.pattern(),
                            headingLine,
                            "Task"));
                    candidate = null;
                }
                this.id = candidate;
                this.title = rest.isEmpty() ? candidate : rest;
            }

            void line(String line, int lineNo) {
                if (currentList != null) {
                    Matcher bullet = BULLET.matcher(line);
                    if (bullet.matches()) {
                        currentList.add(bullet.group(1).strip());
                        return;
                    }
                    if (line.isBlank()) {
                        return;
                    }
                    if (Character.isWhitespace(line.charAt(0)) && !currentList.isEmpty()) {
                        // an indented line continues the previous entry
                        int last = currentList.size() - 1;
                        currentList.set(last, currentList.get(last) + " " + line.strip());
                        return;
                    }
                    currentList = null;
                }
                String[] field = splitField(line.strip());
                String key = field != null ? TASK_FIELDS.get(normalise(field[0])) : null;
                if (key == null) {
                    description.add(line);
                    return;
                }
                if (firstOccurrence(fieldLines, key, lineNo)) {
                    field(key, field[1].strip(), lineNo);
                }
            }

            void endList() {
                currentList = null;
            }

            private void field(String key, String value, int lineNo) {
                switch (key) {
                    case "Depends-on" -> dependsOn(value);
                    case "Acceptance" -> startList(acceptance, value);
                    case "Inputs" -> startList(inputs, value);
                    case "Outputs" -> startList(outputs, value);
                    case "Constraints" -> startList(constraints, value);
                    case "Files" -> {
                        for (String file : value.split(",")) {
                            String path = unquote(file.strip());
                            if (!path.isEmpty()) {
                                files.add(path);
                            }
                        }
                        currentList = files;
                    }
                    case "Test command" -> {
                        String command = unquote(value);
                        if (!command.isEmpty()) {
                            testCommand = command;
                        }
                    }
                    case "Estimate" -> {
                        OptionalLong seconds = Estimates.parseSeconds(value);
                        if (seconds.isPresent()) {
                            estimateSeconds = seconds.getAsLong();
                        } else {
                            errors.add(new SpecError(
                                    "Estimate '" + value + "' is not a duration such as 90s, 10m, 1h or 1h30m",
                                    lineNo,
                                    key));
                        }
                    }
                    case "Priority" -> {
                        try {
                            priority = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            errors.add(new SpecError("Priority '" + value + "' is not an integer", lineNo, key));
                        }
                    }
                    case "Labels" -> pairs(labels, value, lineNo, key);
                    case "Requires" -> pairs(requires, value, lineNo, key);
                    case "Agent" -> {
                        if (value.isEmpty()) {
                            errors.add(new SpecError("Agent is empty", lineNo, key));
                        } else {
                            agentProfile = value;
                        }
                    }
                    default -> throw new IllegalStateException("unhandled field " + key);
                }
            }

            private void startList(List<String> list, String inline) {
                if (!inline.isEmpty()) {
                    list.add(inline);
                }
                currentList = list;
            }

            private void dependsOn(String value) {
                if (value.isEmpty() || value.equalsIgnoreCase("none")) {
                    return;
                }
                for (String dependency : LIST_SEPARATOR.split(value)) {
                    if (!dependency.isEmpty()) {
                        dependsOn.add(dependency);
                    }
                }
            }

            private void pairs(Map<String, String> into, String value, int lineNo, String field) {
                if (value.isEmpty() || value.equalsIgnoreCase("none")) {
                    return;
                }
                for (String entry : value.split(",")) {
                    String label = entry.strip();
                    if (label.isEmpty()) {
                        continue;
                    }
                    int eq = label.indexOf('=');
                    String labelKey = eq < 0 ? "" : label.substring(0, eq).strip();
                    String labelValue = eq < 0 ? "" : label.substring(eq + 1).strip();
                    if (labelKey.isEmpty() || labelValue.isEmpty()) {
                        errors.add(new SpecError(field + " entry '" + label + "' is not key=value", lineNo, field));
                    } else {
                        into.put(labelKey, labelValue);
                    }
                }
            }
        }
    }

    /** Where a task id ends in a heading: {@code T1 - Title}, {@code T1: Title}, {@code T1—Title}. */
    private static boolean isIdEnd(char c) {
        return Character.isWhitespace(c) || c == ':' || c == '—' || c == '–';
    }

    /** {@code Test command: `sh t.sh`} and {@code sh t.sh} mean the same. */
    static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("`") && value.endsWith("`")) {
            return value.substring(1, value.length() - 1).strip();
        }
        return value;
    }

    private static String normalise(String key) {
        return key.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s_]+", "-");
    }

    /** Description text without the blank lines around it. */
    static String joinDescription(List<String> lines) {
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isBlank()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isBlank()) {
            to--;
        }
        return String.join("\n", lines.subList(from, to)).stripTrailing();
    }
}
