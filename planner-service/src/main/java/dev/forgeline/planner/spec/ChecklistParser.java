package dev.forgeline.planner.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.planner.spec.ParsedSpec.SkippedTask;

/**
 * Reads the two checklist formats other tools write, GitHub spec-kit and Kiro {@code tasks.md}, into the same
 * task graph as Forgeline's format.
 *
 * <p>Both are read as groups (spec-kit phases; one group for a Kiro plan) of checkbox items. Items marked done
 * ({@code [x]}, {@code [X]}) or skipped ({@code [~]}) are not planned and count as met dependencies. Order:
 * within a group, an item marked {@code [P]} depends only on the last item before it that is not {@code [P]}
 * (its "barrier"); an item without {@code [P]} waits for the barrier and every {@code [P]} item since. The first
 * items of a group wait for the last barrier of the group it depends on: the previous group, or the phases a
 * spec-kit {@code **Depends on**: Phase 2} line names. Kiro plans are sequential by default: every item waits
 * for the one before it.
 */
public final class ChecklistParser {
    private static final Pattern SPECKIT_ITEM =
            Pattern.compile("^\\s*[-*]\\s+\\[([ xX~-])\\]\\s+(T\\d+[A-Za-z]?)\\b\\s*(.*)$");
    private static final Pattern KIRO_ITEM =
            Pattern.compile("^(\\s*)[-*]\\s+\\[([ xX~-])\\](\\*?)\\s+(\\d+(?:\\.\\d+)*)\\.?\\s+(.*)$");
    private static final Pattern PHASE = Pattern.compile("^#{2,3}\\s+Phase\\s+(\\d+)\\b.*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern SECTION = Pattern.compile("^#{1,2}\\s+(.*)$");
    private static final Pattern PHASE_DEPENDS =
            Pattern.compile("^\\s*\\*\\*Depends on\\*\\*\\s*:?\\s*(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern PHASE_REF = Pattern.compile("Phase\\s+(\\d+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern MARKER =
            Pattern.compile("^\\[(P|US\\d+|Story\\s*\\d+)\\]\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern REQUIREMENTS =
            Pattern.compile("^_?Requirements?\\s*:\\s*(.*?)_?$", Pattern.CASE_INSENSITIVE);
    private static final Pattern TITLE_HEADING = Pattern.compile("^#\\s+(?:Tasks\\s*:\\s*)?(.*)$");
    private static final int TITLE_LENGTH = 100;

    private final long defaultEstimateSeconds;

    public ChecklistParser(long defaultEstimateSeconds) {
        this.defaultEstimateSeconds = defaultEstimateSeconds;
    }

    /** One checkbox item as read. */
    private static final class Item {
        String id;
        String text;
        boolean open;
        String skipReason;
        boolean parallel;
        boolean optional;
        String story;
        int line;
        int group;
        final List<String> details = new ArrayList<>();
        final List<String> requirements = new ArrayList<>();
    }

    public ParsedSpec parseSpeckit(String markdown) {
        List<String> lines = markdown.lines().toList();
        List<Item> items = new ArrayList<>();
        Map<Integer, Integer> phaseOfGroup = new HashMap<>(); // group index -> phase number
        Map<Integer, List<Integer>> groupDependsOnPhases = new HashMap<>();
        String name = null;
        int group = -1;
        boolean inFence = false;
        boolean inTaskArea = true;
        Item last = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            Matcher title = TITLE_HEADING.matcher(line);
            if (name == null && title.matches()) {
                name = title.group(1).strip();
                continue;
            }
            Matcher phase = PHASE.matcher(line);
            if (phase.matches()) {
                group++;
                phaseOfGroup.put(group, Integer.parseInt(phase.group(1)));
                inTaskArea = true;
                last = null;
                continue;
            }
            Matcher section = SECTION.matcher(line);
            if (section.matches() && line.startsWith("## ")) {
                // a level-2 section that is not a phase (Format, Dependencies, Notes) holds no tasks
                inTaskArea = false;
                last = null;
                continue;
            }
            Matcher depends = PHASE_DEPENDS.matcher(line);
            if (depends.matches() && group >= 0) {
                Matcher ref = PHASE_REF.matcher(depends.group(1));
                List<Integer> phases = new ArrayList<>();
                while (ref.find()) {
                    phases.add(Integer.parseInt(ref.group(1)));
                }
                groupDependsOnPhases.put(group, phases);
                continue;
            }
            Matcher item = SPECKIT_ITEM.matcher(line);
            if (item.matches()) {
                Item it = new Item();
                it.id = item.group(2);
                it.open = isOpen(item.group(1));
                it.skipReason = skipReason(item.group(1));
                it.line = i + 1;
                it.group = Math.max(group, 0);
                String rest = item.group(3).strip();
                Matcher marker;
                while ((marker = MARKER.matcher(rest)).find()) {
                    String m = marker.group(1);
                    if (m.equalsIgnoreCase("P")) {
                        it.parallel = true;
                    } else {
                        it.story = m;
                    }
                    rest = rest.substring(marker.end());
                }
                it.text = rest.strip();
                if (group < 0 || inTaskArea) {
                    items.add(it);
                    last = it;
                }
                continue;
            }
            if (last != null && !line.isBlank() && Character.isWhitespace(line.charAt(0))) {
                last.details.add(line.strip());
            } else if (!line.isBlank()) {
                last = null;
            }
        }
        // group -> groups it waits for: the named phases, else the previous group
        Map<Integer, Integer> groupOfPhase = new HashMap<>();
        phaseOfGroup.forEach((g, p) -> groupOfPhase.putIfAbsent(p, g));
        Map<Integer, List<Integer>> groupDeps = new HashMap<>();
        for (int g = 0; g <= Math.max(group, 0); g++) {
            List<Integer> named = groupDependsOnPhases.get(g);
            List<Integer> deps = new ArrayList<>();
            if (named != null && !named.isEmpty()) {
                for (int p : named) {
                    Integer dep = groupOfPhase.get(p);
                    if (dep != null && dep < g) {
                        deps.add(dep);
                    }
                }
            } else if (g > 0) {
                deps.add(g - 1);
            }
            groupDeps.put(g, deps);
        }
        return build(name, items, groupDeps, SpecFormat.SPECKIT, markdown.isBlank());
    }

    public ParsedSpec parseKiro(String markdown) {
        List<String> lines = markdown.lines().toList();
        List<Item> items = new ArrayList<>();
        String name = null;
        Item last = null;
        int lastIndent = 0;
        boolean inFence = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                inFence = !inFence;
                if (last != null) {
                    last.details.add(line.strip());
                }
                continue;
            }
            if (inFence) {
                if (last != null) {
                    last.details.add(line);
                }
                continue;
            }
            Matcher title = TITLE_HEADING.matcher(line);
            if (name == null && title.matches()) {
                name = title.group(1).strip();
                continue;
            }
            Matcher item = KIRO_ITEM.matcher(line);
            if (item.matches()) {
                Item it = new Item();
                it.id = item.group(4);
                it.open = isOpen(item.group(2));
                it.skipReason = skipReason(item.group(2));
                it.optional = !item.group(3).isEmpty();
                it.line = i + 1;
                String rest = item.group(5).strip();
                if (rest.startsWith("[P]")) {
                    it.parallel = true;
                    rest = rest.substring(3).strip();
                }
                it.text = rest;
                items.add(it);
                last = it;
                lastIndent = item.group(1).length();
                continue;
            }
            if (line.startsWith("#")) {
                last = null;
                continue;
            }
            if (last != null && !line.isBlank()) {
                String detail = line.strip();
                if (detail.startsWith("- ") || detail.startsWith("* ")) {
                    detail = detail.substring(2).strip();
                }
                Matcher req = REQUIREMENTS.matcher(detail);
                if (req.matches()) {
                    last.requirements.add(req.group(1).replace("_", "").strip());
                } else {
                    last.details.add(detail);
                }
            }
        }
        Map<Integer, List<Integer>> groupDeps = Map.of(0, List.of());
        return build(name, items, groupDeps, SpecFormat.KIRO, markdown.isBlank());
    }

    private static boolean isOpen(String box) {
        return box.equals(" ") || box.equals("-"); // "-" is Kiro's "in progress"
    }

    private static String skipReason(String box) {
        return box.equalsIgnoreCase("x") ? "done" : box.equals("~") ? "skipped" : null;
    }

    private ParsedSpec build(
            String name, List<Item> items, Map<Integer, List<Integer>> groupDeps, SpecFormat format, boolean blank) {
        List<SpecError> errors = new ArrayList<>();
        List<SkippedTask> skipped = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        List<Item> open = new ArrayList<>();
        for (Item it : items) {
            Integer first = firstLine.putIfAbsent(it.id, it.line);
            if (first != null) {
                errors.add(new SpecError(
                        "duplicate task id '" + it.id + "' (first declared on line " + first + ")", it.line, "Task"));
                continue;
            }
            if (!SpecParser.TASK_ID.matcher(it.id).matches()) {
                errors.add(new SpecError("task id '" + it.id + "' is invalid", it.line, "Task"));
                continue;
            }
            if (it.open) {
                open.add(it);
            } else {
                skipped.add(new SkippedTask(it.id, it.line, it.skipReason));
            }
        }
        // the barrier (last non-[P] item, or the items a group ends with) and the [P] items since, per group
        Map<Integer, List<String>> groupExit = new HashMap<>();
        Map<Integer, List<String>> barrierOf = new HashMap<>();
        Map<Integer, List<String>> parallelSince = new HashMap<>();
        Set<Integer> ownBarrier = new java.util.HashSet<>();
        Map<String, List<String>> dependsOn = new LinkedHashMap<>();
        for (Item it : open) {
            int g = it.group;
            if (!barrierOf.containsKey(g)) {
                List<String> entry = new ArrayList<>();
                for (int dep : groupDeps.getOrDefault(g, List.of())) {
                    entry.addAll(exitOf(dep, groupExit, groupDeps));
                }
                barrierOf.put(g, entry);
                parallelSince.put(g, new ArrayList<>());
            }
            List<String> barrier = barrierOf.get(g);
            Set<String> deps = new LinkedHashSet<>(barrier);
            if (!it.parallel) {
                deps.addAll(parallelSince.get(g));
                barrierOf.put(g, new ArrayList<>(List.of(it.id)));
                parallelSince.put(g, new ArrayList<>());
                ownBarrier.add(g);
            } else {
                parallelSince.get(g).add(it.id);
            }
            List<String> exit = new ArrayList<>(ownBarrier.contains(g) ? barrierOf.get(g) : List.of());
            exit.addAll(parallelSince.get(g));
            groupExit.put(g, exit);
            dependsOn.put(it.id, new ArrayList<>(deps));
        }
        List<ParsedTask> tasks = new ArrayList<>();
        for (Item it : open) {
            String text = it.text;
            String title = text.length() <= TITLE_LENGTH
                    ? text
                    : text.substring(0, TITLE_LENGTH - 1).strip() + "…";
            // the item text is the title; it is repeated in the description only when the title had to be cut
            List<String> descriptionLines = new ArrayList<>();
            if (!title.equals(text)) {
                descriptionLines.add(text);
            }
            descriptionLines.addAll(it.details);
            String description = String.join("\n", descriptionLines);
            List<String> files = new ArrayList<>();
            FileMentions.addMentioned(files, text, String.join("\n", it.details));
            Map<String, String> labels = new LinkedHashMap<>();
            if (it.story != null) {
                labels.put("story", it.story);
            }
            if (it.optional) {
                labels.put("optional", "true");
            }
            if (!it.requirements.isEmpty()) {
                labels.put("requirements", String.join(" ", it.requirements).replace(",", ""));
            }
            List<String> acceptance = it.details.stream()
                    .filter(d -> d.startsWith("**Validates") || d.startsWith("**Property"))
                    .map(d -> d.replace("**", "").strip())
                    .toList();
            tasks.add(new ParsedTask(
                    it.id,
                    title.replace("`", ""),
                    description,
                    acceptance,
                    null,
                    defaultEstimateSeconds,
                    dependsOn.get(it.id),
                    null,
                    0,
                    labels,
                    null,
                    it.line,
                    List.of(),
                    List.of(),
                    List.of(),
                    files,
                    false));
        }
        if (!blank && open.isEmpty() && skipped.isEmpty() && errors.isEmpty()) {
            errors.add(new SpecError("the spec has no task items ('- [ ] T001 ...' or '- [ ] 1. ...')", null, null));
        }
        return new ParsedSpec(
                name == null || name.isBlank() ? "untitled" : name,
                null,
                null,
                null,
                null,
                "",
                tasks,
                open.size(),
                blank,
                errors,
                format,
                skipped);
    }

    /** The last open items of group {@code g}, or of the groups it waits for when it has none. */
    private static List<String> exitOf(
            int g, Map<Integer, List<String>> groupExit, Map<Integer, List<Integer>> groupDeps) {
        List<String> exit = groupExit.get(g);
        if (exit != null) {
            return exit;
        }
        List<String> inherited = new ArrayList<>();
        for (int dep : groupDeps.getOrDefault(g, List.of())) {
            if (dep < g) {
                inherited.addAll(exitOf(dep, groupExit, groupDeps));
            }
        }
        return inherited;
    }
}
