package dev.forgeline.planner.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 * ({@code [x]}, {@code [X]}) or skipped ({@code [~]}) are not planned and count as met dependencies; so are
 * optional Kiro items ({@code - [ ]* ...}) unless the spec says {@code Optional: include}, and checkpoint items
 * (every task's test command runs before it merges; the items after a checkpoint wait for everything before it).
 * Order: within a group, an item marked {@code [P]} depends only on the last item before it that is not
 * {@code [P]} (its "barrier"); an item without {@code [P]} waits for the barrier and every {@code [P]} item
 * since. The first items of a group wait for the last barrier of the group it depends on: the previous group,
 * the phases a spec-kit {@code **Depends on**: Phase 2} line names, or what the "Dependencies" section says of
 * the phase. Kiro plans are sequential by default. A Kiro item with items nested under it is a group: not a task,
 * its children carry it as the labels {@code parent} and {@code parentTitle}. Dependencies the text states
 * ({@code depends on T006}, {@code T002 → T003}, {@code T009 before T010/T011}) are added when they name open
 * tasks and make no cycle. Labels are metadata (story, phase, requirements, optional, parent); only a
 * {@code Requires: os=macos} line under an item is a placement requirement.
 */
public final class ChecklistParser {
    private static final Pattern SPECKIT_ITEM =
            Pattern.compile("^(\\s*)[-*]\\s+\\[([ xX~-])\\]\\s+(T\\d+[A-Za-z]?)\\b\\s*(.*)$");
    private static final Pattern KIRO_ITEM =
            Pattern.compile("^(\\s*)[-*]\\s+\\[([ xX~-])\\](\\*?)\\s+(\\d+(?:\\.\\d+)*)\\.?\\s+(.*)$");
    private static final Pattern PHASE =
            Pattern.compile("^#{2,3}\\s+Phase\\s+(\\d+)\\b\\s*[:.-]?\\s*(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern SECTION = Pattern.compile("^(#{1,3})\\s+(.*)$");
    private static final Pattern PHASE_DEPENDS =
            Pattern.compile("^\\s*\\*\\*Depends on\\*\\*\\s*:?\\s*(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern PHASE_REF = Pattern.compile("Phase\\s+(\\d+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern STORY_REF =
            Pattern.compile("\\b(?:US\\s*|User\\s+Story\\s+|Story\\s+)(\\d+)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern MARKER =
            Pattern.compile("^\\[(P|US\\d+|Story\\s*\\d+)\\]\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern REQUIREMENTS =
            Pattern.compile("^_?Requirements?\\s*:\\s*(.*?)_?$", Pattern.CASE_INSENSITIVE);
    private static final Pattern REQUIRES =
            Pattern.compile("^_?\\**Requires\\**\\s*:\\**\\s*(.*?)_?$", Pattern.CASE_INSENSITIVE);
    private static final Pattern OPTIONAL_HEADER =
            Pattern.compile("^\\s*Optional\\s*:\\s*(include|skip)\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern TITLE_HEADING = Pattern.compile("^#\\s+(?:Tasks\\s*:\\s*)?(.*)$");
    private static final Pattern LIST_MARKER = Pattern.compile("^\\s*(?:[-*+]|\\d+[.)])\\s+.*");
    private static final Pattern TASK_REF = Pattern.compile("\\bT\\d+[A-Za-z]?\\b");
    // a chain of ids is bounded (50): java.util.regex recurses per repetition of a group, and an unbounded chain
    // of "T1, T1, ..." overflows the stack
    private static final Pattern INLINE_DEPENDS = Pattern.compile(
            "\\b(?:depends\\s+on|after|requires|blocked\\s+by)\\s+(T\\d+[A-Za-z]?(?:\\s*(?:,|and|&|/)\\s*T\\d+[A-Za-z]?){0,49})",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern BEFORE = Pattern.compile(
            "(T\\d+[A-Za-z]?(?:\\s*[/,]\\s*T\\d+[A-Za-z]?){0,49})\\s+before\\s+(T\\d+[A-Za-z]?(?:\\s*[/,]\\s*T\\d+[A-Za-z]?){0,49})");
    // no \\s* around the arrow: split() would rescan a long run of spaces from each of its positions
    private static final Pattern ARROW = Pattern.compile("→|->");
    private static final Pattern PARENTHESISED = Pattern.compile("\\([^()]*\\)");
    private static final Pattern BOLD_ITEM = Pattern.compile("^\\s*[-*]\\s+\\*\\*(.+?)\\*\\*\\s*:?\\s*(.*)$");
    private static final Pattern CHECKPOINT =
            Pattern.compile("^\\**(?:Final\\s+)?Checkpoint\\b.*", Pattern.CASE_INSENSITIVE);
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
        boolean checkpoint;
        boolean isGroup;
        String parent;
        String story;
        Integer phase;
        int indent;
        int line;
        int phaseGroup;
        /** read in a level-2 section that is not a phase, before any phase: an example unless the file has no phases */
        boolean outsideTaskArea;

        boolean continues = true;
        final List<String> details = new ArrayList<>();
        final List<String> requirements = new ArrayList<>();
        final Map<String, String> requires = new LinkedHashMap<>();
        final List<String> statedDependencies = new ArrayList<>();
    }

    /** What both formats read besides items. */
    private static final class Reading {
        String name;
        boolean includeOptional;
        final List<Item> items = new ArrayList<>();
        final List<SpecError> errors = new ArrayList<>();
        /** task id -> task ids the prose says it waits for */
        final Map<String, List<String>> prose = new LinkedHashMap<>();
    }

    public ParsedSpec parseSpeckit(String markdown) {
        List<String> lines = markdown.lines().toList();
        Reading reading = new Reading();
        List<Item> items = reading.items;
        Map<Integer, Integer> phaseOfGroup = new HashMap<>(); // group index -> phase number
        Map<Integer, String> titleOfGroup = new HashMap<>();
        Map<Integer, List<Integer>> groupDependsOnPhases = new HashMap<>();
        Map<Integer, String> prosePhaseDependencies = new LinkedHashMap<>(); // phase -> the prose about it
        Map<String, Integer> phaseNames = new HashMap<>();
        int group = -1;
        boolean inFence = false;
        boolean inTaskArea = true;
        boolean inDependencies = false;
        Item last = null;
        int start = frontMatterEnd(lines);
        for (int i = start; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                inFence = !inFence;
                last = null;
                continue;
            }
            if (inFence) {
                continue;
            }
            if (header(reading, line)) {
                continue;
            }
            Matcher phase = PHASE.matcher(line);
            if (phase.matches()) {
                group++;
                int number = Integer.parseInt(phase.group(1));
                phaseOfGroup.put(group, number);
                String title = phase.group(2)
                        .replaceAll("\\(.*", "")
                        .replaceAll("[^\\p{L}\\p{N} -].*", "")
                        .strip();
                titleOfGroup.put(group, title);
                nameOf(title).forEach(n -> phaseNames.putIfAbsent(n, number));
                inTaskArea = true;
                inDependencies = false;
                last = null;
                continue;
            }
            Matcher section = SECTION.matcher(line);
            if (section.matches()) {
                last = null;
                if (section.group(1).length() <= 2) {
                    // a level-2 section that is not a phase (Format, Dependencies, Notes) holds no tasks
                    inTaskArea = section.group(1).length() == 1 && group < 0;
                    inDependencies = section.group(2).toLowerCase(Locale.ROOT).contains("dependencies");
                }
                continue;
            }
            if (line.strip().equals("---")) {
                last = null;
                continue;
            }
            if (inDependencies) {
                readProse(line, prosePhaseDependencies, phaseNames, reading.prose);
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
                it.id = item.group(3);
                it.open = isOpen(item.group(2));
                it.skipReason = skipReason(item.group(2));
                it.line = i + 1;
                it.indent = item.group(1).length();
                it.phaseGroup = Math.max(group, 0);
                it.phase = group < 0 ? null : phaseOfGroup.get(group);
                String rest = item.group(4).strip();
                Matcher marker;
                while ((marker = MARKER.matcher(rest)).find()) {
                    String m = marker.group(1);
                    if (m.equalsIgnoreCase("P")) {
                        it.parallel = true;
                    } else {
                        it.story = m.replaceAll("\\s", "");
                    }
                    rest = rest.substring(marker.end());
                }
                it.text = rest.strip();
                it.checkpoint = CHECKPOINT.matcher(it.text).matches();
                if (group < 0 || inTaskArea) {
                    it.outsideTaskArea = !inTaskArea;
                    items.add(it);
                    last = it;
                }
                continue;
            }
            if (last != null && !line.isBlank()) {
                detail(reading, last, line, i + 1, Character.isWhitespace(line.charAt(0)));
            } else if (last != null) {
                last.continues = false;
            }
        }
        if (group >= 0) {
            // the file has phases: items under a section such as "## Format" before them are examples, not tasks
            items.removeIf(it -> it.outsideTaskArea);
        }
        // group -> groups it waits for: the phases its "Depends on" line or the prose names, else the previous one
        Map<Integer, Integer> groupOfPhase = new HashMap<>();
        phaseOfGroup.forEach((g, p) -> groupOfPhase.putIfAbsent(p, g));
        Map<Integer, Set<Integer>> storyPhases = new HashMap<>();
        for (Item it : items) {
            if (it.story != null && it.phase != null) {
                storyPhases
                        .computeIfAbsent(storyNumber(it.story), k -> new java.util.TreeSet<>())
                        .add(it.phase);
            }
        }
        Map<Integer, List<Integer>> groupDeps = new HashMap<>();
        for (int g = 0; g <= Math.max(group, 0); g++) {
            List<Integer> named = groupDependsOnPhases.get(g);
            if ((named == null || named.isEmpty()) && phaseOfGroup.containsKey(g)) {
                named = prosePhases(
                        prosePhaseDependencies.get(phaseOfGroup.get(g)), phaseNames, storyPhases, phaseOfGroup.get(g));
            }
            List<Integer> deps = new ArrayList<>();
            if (named != null) {
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
        return build(reading, groupDeps, SpecFormat.SPECKIT, markdown.isBlank());
    }

    public ParsedSpec parseKiro(String markdown) {
        List<String> lines = markdown.lines().toList();
        Reading reading = new Reading();
        List<Item> items = reading.items;
        Item last = null;
        boolean inFence = false;
        Integer phase = null;
        for (int i = frontMatterEnd(lines); i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
                inFence = !inFence;
                if (last != null) {
                    last.details.add(line.strip());
                    last.continues = false;
                }
                continue;
            }
            if (inFence) {
                if (last != null) {
                    last.details.add(line);
                }
                continue;
            }
            if (header(reading, line)) {
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
                it.indent = item.group(1).replace("\t", "    ").length();
                it.phase = phase;
                String rest = item.group(5).strip();
                if (rest.startsWith("[P]")) {
                    it.parallel = true;
                    rest = rest.substring(3).strip();
                }
                it.text = rest;
                it.checkpoint = CHECKPOINT.matcher(it.text).matches();
                items.add(it);
                last = it;
                continue;
            }
            Matcher phaseHeading = PHASE.matcher(line);
            if (phaseHeading.matches()) {
                phase = Integer.parseInt(phaseHeading.group(1));
                last = null;
                continue;
            }
            if (line.startsWith("#") || line.strip().equals("---")) {
                last = null;
                continue;
            }
            if (last != null && !line.isBlank()) {
                detail(reading, last, line, i + 1, true);
            } else if (last != null) {
                last.continues = false;
            }
        }
        // a parent: items are nested under it (indented deeper), or numbered sub-items (2.1 under 2) follow it
        // and it has no text of its own; it is a group, not a task
        Map<String, Item> byId = new HashMap<>();
        List<Item> stack = new ArrayList<>();
        for (Item it : items) {
            byId.putIfAbsent(it.id, it);
            while (!stack.isEmpty() && stack.get(stack.size() - 1).indent >= it.indent) {
                stack.remove(stack.size() - 1);
            }
            Item parent = stack.isEmpty() ? null : stack.get(stack.size() - 1);
            if (parent == null && it.id.contains(".")) {
                Item numbered = byId.get(it.id.substring(0, it.id.lastIndexOf('.')));
                if (numbered != null && numbered.indent == it.indent && numbered.details.isEmpty()) {
                    parent = numbered;
                }
            }
            if (parent != null) {
                parent.isGroup = true;
                it.parent = parent.id;
            }
            stack.add(it);
        }
        return build(reading, Map.of(0, List.of()), SpecFormat.KIRO, markdown.isBlank());
    }

    /** The spec's name (first {@code #} heading) and {@code Optional: include}; true when the line was one. */
    private static boolean header(Reading reading, String line) {
        Matcher title = TITLE_HEADING.matcher(line);
        if (reading.name == null && title.matches()) {
            reading.name = title.group(1).strip();
            return true;
        }
        Matcher optional = OPTIONAL_HEADER.matcher(line);
        if (optional.matches()) {
            reading.includeOptional = optional.group(1).equalsIgnoreCase("include");
            return true;
        }
        return false;
    }

    /** The line after the YAML front matter ({@code ---} ... {@code ---} at the top), or 0. */
    private static int frontMatterEnd(List<String> lines) {
        if (lines.isEmpty() || !lines.get(0).strip().equals("---")) {
            return 0;
        }
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("---")) {
                return i + 1;
            }
        }
        return 0;
    }

    /** A line under an item: the wrapped rest of its title, a requirement reference, a Requires: line or detail. */
    private static void detail(Reading reading, Item item, String line, int lineNo, boolean indented) {
        String text = line.strip();
        boolean bullet = LIST_MARKER.matcher(line).matches();
        if (item.continues
                && item.details.isEmpty()
                && !bullet
                && !text.startsWith("_")
                && !text.startsWith("**")
                && !REQUIRES.matcher(text).matches()) {
            item.text = item.text + " " + text; // a title wrapped onto the next line
            return;
        }
        item.continues = false;
        if (!indented && !bullet) {
            return; // prose after the list
        }
        String detail = bullet ? text.substring(text.indexOf(' ') + 1).strip() : text;
        Matcher req = REQUIREMENTS.matcher(detail);
        Matcher requires = REQUIRES.matcher(detail);
        if (req.matches()) {
            item.requirements.add(req.group(1).replace("_", "").strip());
        } else if (requires.matches()) {
            for (String entry : requires.group(1).split(",")) {
                String pair = entry.strip();
                int eq = pair.indexOf('=');
                if (pair.isEmpty()) {
                    continue;
                }
                if (eq <= 0 || eq == pair.length() - 1) {
                    reading.errors.add(
                            new SpecError("Requires entry '" + pair + "' is not key=value", lineNo, "Requires"));
                } else {
                    item.requires.put(
                            pair.substring(0, eq).strip(),
                            pair.substring(eq + 1).strip());
                }
            }
        } else {
            item.details.add(detail);
        }
    }

    /** "Setup", "Foundational", "User Story 1 - Narrow ..." -> the names the prose may use for the phase. */
    private static List<String> nameOf(String title) {
        List<String> names = new ArrayList<>();
        String t = title.strip().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            return names;
        }
        names.add(t);
        int dash = t.indexOf(" - ");
        if (dash > 0) {
            names.add(t.substring(0, dash).strip());
        }
        String first = t.split("[\\s&]+")[0];
        if (first.length() > 3 && !first.equals("user")) {
            names.add(first);
        }
        return names;
    }

    private static int storyNumber(String story) {
        return Integer.parseInt(story.replaceAll("\\D", ""));
    }

    /** One line of a "Dependencies & Execution Order" section. */
    private static void readProse(
            String line,
            Map<Integer, String> phaseDependencies,
            Map<String, Integer> phaseNames,
            Map<String, List<String>> taskDependencies) {
        Matcher bold = BOLD_ITEM.matcher(line);
        if (bold.matches()) {
            Matcher phase = PHASE_REF.matcher(bold.group(1));
            if (phase.find()) {
                int number = Integer.parseInt(phase.group(1));
                phaseDependencies.putIfAbsent(number, bold.group(2));
                String name = bold.group(1).replaceAll("\\(.*", "").strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    phaseNames.putIfAbsent(name, number);
                }
            }
        }
        String text = PARENTHESISED.matcher(line).replaceAll(" ");
        String[] chain = ARROW.split(text);
        for (int k = 1; k < chain.length; k++) {
            for (String after : refs(chain[k])) {
                for (String before : refs(chain[k - 1])) {
                    taskDependencies
                            .computeIfAbsent(after, x -> new ArrayList<>())
                            .add(before);
                }
            }
        }
        Matcher before = BEFORE.matcher(text);
        while (before.find()) {
            for (String after : refs(before.group(2))) {
                for (String first : refs(before.group(1))) {
                    taskDependencies
                            .computeIfAbsent(after, x -> new ArrayList<>())
                            .add(first);
                }
            }
        }
    }

    /**
     * The phases prose such as "after Setup — needs neither ..." or "Depends on Foundational + US1" names; only
     * its first clause counts (later ones say what the phase blocks). Null when there is none or it names nothing
     * recognisable (the phase then follows the previous one); empty for "none" or "start immediately".
     */
    private static List<Integer> prosePhases(
            String prose, Map<String, Integer> phaseNames, Map<Integer, Set<Integer>> storyPhases, int self) {
        if (prose == null || prose.isBlank()) {
            return null;
        }
        String clause = prose.split("\\s+[—–-]\\s+|\\(|\\.\\s|\\.$|;")[0]
                .toLowerCase(Locale.ROOT)
                .strip();
        Set<Integer> phases = new java.util.TreeSet<>();
        Matcher phase = PHASE_REF.matcher(clause);
        while (phase.find()) {
            phases.add(Integer.parseInt(phase.group(1)));
        }
        Matcher story = STORY_REF.matcher(clause);
        while (story.find()) {
            phases.addAll(storyPhases.getOrDefault(Integer.parseInt(story.group(1)), Set.of()));
        }
        if (clause.matches(".*\\ball\\b.*\\bstor(y|ies)\\b.*")) {
            storyPhases.values().forEach(phases::addAll);
        }
        for (Map.Entry<String, Integer> name : phaseNames.entrySet()) {
            if (Pattern.compile("\\b" + Pattern.quote(name.getKey()) + "\\b")
                    .matcher(clause)
                    .find()) {
                phases.add(name.getValue());
            }
        }
        phases.removeIf(p -> p >= self);
        if (!phases.isEmpty()) {
            return new ArrayList<>(phases);
        }
        if (clause.matches("(none|no dependencies|independent|start immediately)\\b.*")) {
            return List.of();
        }
        return null;
    }

    private static List<String> refs(String text) {
        List<String> ids = new ArrayList<>();
        Matcher m = TASK_REF.matcher(text);
        while (m.find()) {
            ids.add(m.group());
        }
        return ids;
    }

    private static boolean isOpen(String box) {
        return box.equals(" ") || box.equals("-"); // "-" is Kiro's "in progress"
    }

    private static String skipReason(String box) {
        return box.equalsIgnoreCase("x") ? "done" : box.equals("~") ? "skipped" : null;
    }

    private ParsedSpec build(Reading reading, Map<Integer, List<Integer>> groupDeps, SpecFormat format, boolean blank) {
        List<SpecError> errors = new ArrayList<>(reading.errors);
        List<SkippedTask> skipped = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        Map<String, Item> byId = new HashMap<>();
        Set<String> groupsWithOpenChildren = new java.util.HashSet<>();
        for (Item it : reading.items) {
            if (it.open && it.parent != null && (!it.optional || reading.includeOptional)) {
                groupsWithOpenChildren.add(it.parent);
            }
        }
        // the items the order runs through: open tasks and checkpoints; groups, done, skipped and left-out
        // optional items are not in it
        List<Item> sequence = new ArrayList<>();
        Set<String> checkpoints = new java.util.HashSet<>();
        for (Item it : reading.items) {
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
            byId.put(it.id, it);
            if (it.isGroup && (groupsWithOpenChildren.contains(it.id) || !it.open)) {
                if (!it.open) {
                    skipped.add(new SkippedTask(it.id, it.line, it.skipReason));
                }
                continue; // a group is done when its children are
            }
            if (!it.open) {
                skipped.add(new SkippedTask(it.id, it.line, it.skipReason));
            } else if (it.optional && !reading.includeOptional) {
                skipped.add(new SkippedTask(it.id, it.line, "optional"));
            } else if (it.checkpoint) {
                skipped.add(new SkippedTask(it.id, it.line, "checkpoint"));
                checkpoints.add(it.id);
                sequence.add(it);
            } else {
                sequence.add(it);
            }
        }
        // the barrier (last non-[P] item, or the items a group ends with) and the [P] items since, per group
        Map<Integer, List<String>> groupExit = new HashMap<>();
        Map<Integer, List<String>> barrierOf = new HashMap<>();
        Map<Integer, List<String>> parallelSince = new HashMap<>();
        Set<Integer> ownBarrier = new java.util.HashSet<>();
        Map<String, Set<String>> dependsOn = new LinkedHashMap<>();
        for (Item it : sequence) {
            int g = it.phaseGroup;
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
            if (!it.parallel || it.checkpoint) {
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
            dependsOn.put(it.id, deps);
        }
        // dependencies the text states: inline ("depends on T006") and in the Dependencies section
        for (Item it : sequence) {
            Matcher inline = INLINE_DEPENDS.matcher(it.text + "\n" + String.join("\n", it.details));
            while (inline.find()) {
                reading.prose.computeIfAbsent(it.id, x -> new ArrayList<>()).addAll(refs(inline.group(1)));
            }
        }
        reading.prose.forEach((task, befores) -> {
            for (String before : befores) {
                if (dependsOn.containsKey(task)
                        && dependsOn.containsKey(before)
                        && !before.equals(task)
                        && !reaches(dependsOn, before, task)) {
                    dependsOn.get(task).add(before);
                }
            }
        });
        List<ParsedTask> tasks = new ArrayList<>();
        for (Item it : sequence) {
            if (it.checkpoint) {
                continue;
            }
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
            Map<String, String> written = new LinkedHashMap<>();
            FileMentions.addWritten(written, text, String.join("\n", it.details));
            Map<String, String> labels = new LinkedHashMap<>();
            if (it.story != null) {
                labels.put("story", it.story);
            }
            if (it.phase != null) {
                labels.put("phase", Integer.toString(it.phase));
            }
            if (it.optional) {
                labels.put("optional", "true");
            }
            if (!it.requirements.isEmpty()) {
                labels.put("requirements", String.join(" ", it.requirements).replace(",", ""));
            }
            if (it.parent != null && byId.containsKey(it.parent)) {
                labels.put("parent", it.parent);
                labels.put("parentTitle", byId.get(it.parent).text.replace("`", ""));
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
                    withoutCheckpoints(dependsOn.get(it.id), dependsOn, checkpoints),
                    null,
                    0,
                    labels,
                    null,
                    it.line,
                    List.of(),
                    List.of(),
                    List.of(),
                    new ArrayList<>(written.keySet()),
                    false,
                    it.requires,
                    written));
        }
        if (!blank && tasks.isEmpty() && skipped.isEmpty() && errors.isEmpty()) {
            errors.add(new SpecError("the spec has no task items ('- [ ] T001 ...' or '- [ ] 1. ...')", null, null));
        }
        errors.sort(java.util.Comparator.comparing(e -> e.line() == null ? 0 : e.line()));
        return new ParsedSpec(
                reading.name == null || reading.name.isBlank() ? "untitled" : reading.name,
                null,
                null,
                null,
                null,
                "",
                tasks,
                tasks.size(),
                blank,
                errors,
                format,
                skipped);
    }

    /** A checkpoint is not a task: who waits for it waits for what it waits for. */
    private static List<String> withoutCheckpoints(
            Set<String> deps, Map<String, Set<String>> dependsOn, Set<String> checkpoints) {
        Set<String> resolved = new LinkedHashSet<>();
        for (String dep : deps) {
            if (checkpoints.contains(dep)) {
                resolved.addAll(withoutCheckpoints(dependsOn.get(dep), dependsOn, checkpoints));
            } else {
                resolved.add(dep);
            }
        }
        return new ArrayList<>(resolved);
    }

    /** Whether {@code from} already waits, directly or not, for {@code to}. */
    private static boolean reaches(Map<String, Set<String>> dependsOn, String from, String to) {
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(from));
        Set<String> seen = new java.util.HashSet<>();
        while (!todo.isEmpty()) {
            String at = todo.pop();
            if (at.equals(to)) {
                return true;
            }
            if (seen.add(at)) {
                todo.addAll(dependsOn.getOrDefault(at, Set.of()));
            }
        }
        return false;
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
