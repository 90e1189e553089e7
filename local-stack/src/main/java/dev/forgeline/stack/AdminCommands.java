package dev.forgeline.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The commands that drive a running stack through its REST APIs, where people act: decisions (planner), reviews
 * (review service), tasks, nodes, breakers and holds (dispatcher), and the audit trail of all of them. Each prints text, or with {@code --json} the API's
 * JSON answer.
 */
final class AdminCommands {
    private AdminCommands() {}

    private static final String REASON = "why (kept in the audit trail)";

    /** {@code SPEC TASK} or {@code SPEC/TASK}: the path of a task ({@code /SPEC/TASK}, each part encoded). */
    private static String taskPath(picocli.CommandLine.Model.CommandSpec group, String command, List<String> id) {
        List<String> parts = new ArrayList<>(id);
        if (parts.size() == 1) {
            int slash = parts.get(0).indexOf('/');
            if (slash <= 0 || slash == parts.get(0).length() - 1) {
                throw new ParameterException(
                        group.subcommands().get(command),
                        "name the task as SPEC TASK or SPEC/TASK, not '" + parts.get(0) + "'");
            }
            parts = List.of(parts.get(0).substring(0, slash), parts.get(0).substring(slash + 1));
        }
        return "/" + ForgelineClient.encode(parts.get(0)) + "/" + ForgelineClient.encode(parts.get(1));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? "-" : node.asText();
    }

    private static String joined(JsonNode array) {
        List<String> items = new ArrayList<>();
        array.forEach(i -> items.add(i.asText()));
        return String.join(", ", items);
    }

    // ---- decisions (planner) ----------------------------------------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "decisions",
            description = "The decisions tasks wait for (planner): list, answer.")
    static final class Decisions {
        private final CliContext ctx;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        Decisions(CliContext ctx) {
            this.ctx = ctx;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "list",
                description = "The open decisions (--all: the made ones too).")
        int list(
                @Option(names = "--all", description = "also the decisions already made") boolean all,
                @Mixin CliContext.ApiOptions api) {
            JsonNode decisions = ctx.client(api).get(ServiceKind.PLANNER, "/decisions" + (all ? "?all=true" : ""));
            if (api.json) {
                ctx.printJson(decisions);
                return 0;
            }
            if (decisions.isEmpty()) {
                ctx.out.println("no decisions wait");
            }
            for (JsonNode d : decisions) {
                ctx.out.printf(
                        "%s  %s/%s  %s%s%n",
                        d.path("id").asText(),
                        d.path("specId").asText(),
                        d.path("taskId").asText(),
                        d.path("kind").asText(),
                        d.hasNonNull("outcome")
                                ? "  decided: " + d.path("outcome").asText() + " by " + text(d.path("decidedBy"))
                                : "");
                ctx.out.println("    " + d.path("question").asText());
                if (d.path("missing").size() > 0) {
                    ctx.out.println("    missing: " + joined(d.path("missing")));
                }
            }
            return 0;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "answer",
                description = {
                    "Answer a decision. A spec-quality or split decision: --choice amend (with --text or --text-file,"
                            + " the task's new body) or override (with --comment, why it may run as it is).",
                    "A blocked-by-failure decision: --choice retry, skip or cancel.",
                    "A proposal-approval decision (an agent's follow-up that sets a test command, profile, labels or"
                            + " requirements): --choice approve, strip (run with the parent's settings) or drop."
                })
        int answer(
                @Parameters(paramLabel = "ID", description = "the decision's id") String id,
                @Option(
                                names = "--choice",
                                required = true,
                                paramLabel = "CHOICE",
                                description = "amend, override, retry, skip, cancel, approve, strip or drop")
                        String choice,
                @Option(names = "--comment", paramLabel = "TEXT", description = "why (the decision's reason)")
                        String comment,
                @Option(names = "--text", paramLabel = "MARKDOWN", description = "for amend: the task's new body")
                        String text,
                @Option(names = "--text-file", paramLabel = "FILE", description = "for amend: the body from a file")
                        Path textFile,
                @Option(
                                names = "--by",
                                paramLabel = "NAME",
                                description =
                                        "who decides when the services run without tokens (default: $USER); with tokens,"
                                                + " the token's name is recorded")
                        String by,
                @Mixin CliContext.ApiOptions api) {
            if (text != null && textFile != null) {
                throw new ParameterException(spec.commandLine(), "--text and --text-file exclude each other");
            }
            if (textFile != null) {
                try {
                    text = Files.readString(textFile);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read " + textFile + ": " + e.getMessage(), e);
                }
            }
            ObjectNode body = ForgelineCli.object();
            body.put("action", choice);
            body.put("decidedBy", by != null ? by : ctx.person());
            if (comment != null) {
                body.put("reason", comment);
            }
            if (text != null) {
                body.put("text", text);
            }
            JsonNode decision =
                    ctx.client(api).post(ServiceKind.PLANNER, "/decisions/" + ForgelineClient.encode(id), body);
            if (api.json) {
                ctx.printJson(decision);
            } else {
                ctx.out.printf(
                        "decision %s on %s/%s: %s by %s%n",
                        decision.path("id").asText(),
                        decision.path("specId").asText(),
                        decision.path("taskId").asText(),
                        text(decision.path("outcome")),
                        text(decision.path("decidedBy")));
            }
            return 0;
        }
    }

    // ---- reviews (review service) -----------------------------------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "reviews",
            description = "Reviews of task attempts: list, show, approve, request-changes, reject.")
    static final class Reviews {
        private final CliContext ctx;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        Reviews(CliContext ctx) {
            this.ctx = ctx;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "list",
                description = "Reviews (--pending: those waiting for a person, oldest first).")
        int list(
                @Option(names = "--pending", description = "only the reviews waiting for a person") boolean pending,
                @Option(names = "--state", paramLabel = "STATE", description = "only reviews in this state")
                        String state,
                @Option(names = "--level", paramLabel = "0..3", description = "only reviews of this level")
                        Integer level,
                @Mixin CliContext.ApiOptions api) {
            List<String> query = new ArrayList<>();
            if (state != null && !pending) {
                query.add("state=" + ForgelineClient.encode(state));
            }
            if (level != null) {
                query.add("level=" + level);
            }
            String path = (pending ? "/reviews/pending" : "/reviews")
                    + (query.isEmpty() ? "" : "?" + String.join("&", query));
            JsonNode reviews = ctx.client(api).get(ServiceKind.REVIEW, path);
            if (api.json) {
                ctx.printJson(reviews);
                return 0;
            }
            if (reviews.isEmpty()) {
                ctx.out.println(pending ? "no review waits for a person" : "no reviews");
            }
            for (JsonNode r : reviews) {
                ctx.out.printf(
                        "%-28s #%-2d %-16s level %-2s %s%n",
                        r.path("specId").asText() + "/" + r.path("taskId").asText(),
                        r.path("attempt").asInt(),
                        r.path("state").asText(),
                        text(r.path("level")),
                        joined(r.path("reasons")));
            }
            return 0;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "show",
                description = "One review: state, level and reasons, tests, cost, attempts, diff.")
        int show(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Mixin CliContext.ApiOptions api) {
            JsonNode r = ctx.client(api).get(ServiceKind.REVIEW, "/reviews" + taskPath(spec, "show", id));
            if (api.json) {
                ctx.printJson(r);
                return 0;
            }
            PrintStream out = ctx.out;
            out.printf(
                    "review %s/%s attempt %d: %s, level %s%n",
                    r.path("specId").asText(),
                    r.path("taskId").asText(),
                    r.path("attempt").asInt(),
                    r.path("state").asText(),
                    text(r.path("level")));
            r.path("reasons").forEach(reason -> out.println("  reason: " + reason.asText()));
            out.printf(
                    "  branch %s at %s onto %s%n",
                    text(r.path("branch")), text(r.path("commit")), text(r.path("baseBranch")));
            out.printf(
                    "  +%s -%s lines in %s files; tests %s; cost $%s%n",
                    text(r.path("linesAdded")),
                    text(r.path("linesRemoved")),
                    text(r.path("filesChanged")),
                    r.path("testsRan").asBoolean()
                            ? (r.path("testsPassed").asBoolean() ? "passed" : "FAILED")
                            : "not run",
                    text(r.path("costUsd")));
            if (r.hasNonNull("decidedBy")) {
                out.printf("  decided by %s: %s%n", r.path("decidedBy").asText(), text(r.path("decisionReason")));
            }
            for (JsonNode a : r.path("attempts")) {
                out.printf(
                        "  attempt %d on %s: %s%s%n",
                        a.path("attempt").asInt(),
                        text(a.path("nodeName")),
                        a.path("succeeded").asBoolean() ? "succeeded" : "failed " + text(a.path("failureClass")),
                        a.hasNonNull("reviewState")
                                ? ", review " + a.path("reviewState").asText()
                                : "");
            }
            if (r.hasNonNull("diff")) {
                out.println();
                out.print(r.path("diff").asText());
            }
            return 0;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "approve",
                description = "Approve a review: the attempt is merged.")
        int approve(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Option(names = "--comment", paramLabel = "TEXT") String comment,
                @Option(names = "--by", paramLabel = "NAME", description = "the reviewer (default: $USER)") String by,
                @Mixin CliContext.ApiOptions api) {
            return decide(id, "approve", comment, by, api);
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "request-changes",
                description = "Send the task back for another attempt, with a comment.")
        int requestChanges(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Option(names = "--comment", required = true, paramLabel = "TEXT") String comment,
                @Option(names = "--by", paramLabel = "NAME", description = "the reviewer (default: $USER)") String by,
                @Mixin CliContext.ApiOptions api) {
            return decide(id, "request-changes", comment, by, api);
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "reject",
                description = "Reject the attempt for good, with a comment.")
        int reject(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Option(names = "--comment", required = true, paramLabel = "TEXT") String comment,
                @Option(names = "--by", paramLabel = "NAME", description = "the reviewer (default: $USER)") String by,
                @Mixin CliContext.ApiOptions api) {
            return decide(id, "reject", comment, by, api);
        }

        private int decide(List<String> id, String action, String comment, String by, CliContext.ApiOptions api) {
            ObjectNode body = ForgelineCli.object();
            body.put("reviewer", by != null ? by : ctx.person());
            if (comment != null) {
                body.put("comment", comment);
            }
            JsonNode r = ctx.client(api)
                    .post(ServiceKind.REVIEW, "/reviews" + taskPath(spec, action, id) + "/" + action, body);
            if (api.json) {
                ctx.printJson(r);
            } else {
                ctx.out.printf(
                        "review %s/%s attempt %d: %s by %s%n",
                        r.path("specId").asText(),
                        r.path("taskId").asText(),
                        r.path("attempt").asInt(),
                        r.path("state").asText(),
                        text(r.path("decidedBy")));
            }
            return 0;
        }
    }

    // ---- tasks (dispatcher, planner) --------------------------------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "tasks",
            description = "One task: show (attempts, node, why it waits), cancel, retry.")
    static final class Tasks {
        private final CliContext ctx;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        Tasks(CliContext ctx) {
            this.ctx = ctx;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "show",
                description = "A task: state, attempt, node, why it waits, and its attempts.")
        int show(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Mixin CliContext.ApiOptions api) {
            ForgelineClient client = ctx.client(api);
            String path = taskPath(spec, "show", id);
            String specId = java.net.URLDecoder.decode(path.split("/")[1], java.nio.charset.StandardCharsets.UTF_8);
            String taskId = java.net.URLDecoder.decode(path.split("/")[2], java.nio.charset.StandardCharsets.UTF_8);
            JsonNode planned = null;
            for (JsonNode t : client.spec(specId).path("tasks")) {
                if (taskId.equals(t.path("taskId").asText())) {
                    planned = t;
                }
            }
            if (planned == null) {
                throw new IllegalArgumentException("spec " + specId + " has no task " + taskId);
            }
            JsonNode dispatched;
            boolean reached = true;
            try {
                dispatched = client.get(ServiceKind.DISPATCHER, "/tasks" + path);
            } catch (ForgelineClient.ApiException e) {
                if (e.status() != 404) {
                    throw e;
                }
                dispatched = null; // not released to the dispatcher yet (planned, or waiting for a decision)
            } catch (ForgelineClient.UnreachableException e) {
                dispatched = null;
                reached = false;
            }
            if (api.json) {
                ctx.printJson(dispatched != null ? dispatched : planned);
                return 0;
            }
            PrintStream out = ctx.out;
            out.printf(
                    "task %s/%s: %s  %s%n",
                    specId,
                    taskId,
                    planned.path("state").asText(),
                    planned.path("title").asText());
            String waits = TaskStatusLines.waits(planned, dispatched, reached);
            if (waits != null) {
                out.println("  waits: " + waits);
            }
            if (dispatched == null) {
                out.println(reached ? "  not at the dispatcher yet" : "  the dispatcher cannot be reached");
                return 0;
            }
            out.printf(
                    "  dispatcher: %s, attempt %d, node %s, profile %s, priority %d%n",
                    dispatched.path("state").asText(),
                    dispatched.path("attempt").asInt(),
                    text(dispatched.path("nodeName")),
                    text(dispatched.path("agentProfile")),
                    dispatched.path("priority").asInt());
            if (dispatched.hasNonNull("failureClass")) {
                out.printf(
                        "  failure: %s%s %s%n",
                        dispatched.path("failureClass").asText(),
                        dispatched.path("permanent").asBoolean() ? " (permanent)" : "",
                        text(dispatched.path("failureDetail")));
            }
            if (dispatched.path("requires").size() > 0) {
                List<String> requires = new ArrayList<>();
                dispatched
                        .path("requires")
                        .fields()
                        .forEachRemaining(e ->
                                requires.add(e.getKey() + "=" + e.getValue().asText()));
                out.println("  requires: " + String.join(", ", requires));
            }
            for (JsonNode a : dispatched.path("attempts")) {
                out.printf(
                        "  attempt %d on %s (%s): %s%s%s%n",
                        a.path("attempt").asInt(),
                        text(a.path("nodeName")),
                        text(a.path("agentProfile")),
                        text(a.path("outcome")),
                        a.hasNonNull("failureClass")
                                ? " " + a.path("failureClass").asText()
                                : "",
                        a.hasNonNull("detail") ? ": " + a.path("detail").asText() : "");
            }
            return 0;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "cancel",
                description = "Cancel a READY, LEASED or RUNNING task.")
        int cancel(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Option(names = "--reason", paramLabel = "TEXT", description = "why") String reason,
                @Mixin CliContext.ApiOptions api) {
            String query = reason == null ? "" : "?reason=" + ForgelineClient.encode(reason);
            return printed(
                    ctx.client(api)
                            .post(
                                    ServiceKind.DISPATCHER,
                                    "/tasks" + taskPath(spec, "cancel", id) + "/cancel" + query,
                                    null),
                    api);
        }

        @Command(mixinStandardHelpOptions = true, name = "retry", description = "Run a FAILED or CANCELLED task again.")
        int retry(
                @Parameters(arity = "1..2", paramLabel = "SPEC/TASK", description = "SPEC TASK or SPEC/TASK")
                        List<String> id,
                @Option(names = "--reason", paramLabel = "TEXT", description = REASON) String reason,
                @Mixin CliContext.ApiOptions api) {
            return printed(
                    ctx.client(api)
                            .reason(reason)
                            .post(ServiceKind.DISPATCHER, "/tasks" + taskPath(spec, "retry", id) + "/retry", null),
                    api);
        }

        private int printed(JsonNode task, CliContext.ApiOptions api) {
            if (api.json) {
                ctx.printJson(task);
            } else {
                ctx.out.printf(
                        "task %s/%s: %s (attempt %d)%n",
                        task.path("specId").asText(),
                        task.path("taskId").asText(),
                        task.path("state").asText(),
                        task.path("attempt").asInt());
            }
            return 0;
        }
    }

    // ---- nodes, breakers, holds (dispatcher) ------------------------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "nodes",
            description = "Worker nodes: list, drain, cordon, uncordon.")
    static final class Nodes {
        private final CliContext ctx;

        Nodes(CliContext ctx) {
            this.ctx = ctx;
        }

        @Command(mixinStandardHelpOptions = true, name = "list", description = "Every node with its status and slots.")
        int list(@Mixin CliContext.ApiOptions api) {
            JsonNode nodes = ctx.client(api).get(ServiceKind.DISPATCHER, "/nodes");
            if (api.json) {
                ctx.printJson(nodes);
                return 0;
            }
            if (nodes.isEmpty()) {
                ctx.out.println("no nodes");
            }
            for (JsonNode n : nodes) {
                printNode(n);
            }
            return 0;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "drain",
                description = "No new leases; running attempts finish.")
        int drain(
                @Parameters(paramLabel = "NAME") String name,
                @Option(names = "--reason", paramLabel = "TEXT", description = REASON) String reason,
                @Mixin CliContext.ApiOptions api) {
            return change(name, "drain", reason, api);
        }

        @Command(mixinStandardHelpOptions = true, name = "cordon", description = "No new leases until uncordoned.")
        int cordon(
                @Parameters(paramLabel = "NAME") String name,
                @Option(names = "--reason", paramLabel = "TEXT", description = REASON) String reason,
                @Mixin CliContext.ApiOptions api) {
            return change(name, "cordon", reason, api);
        }

        @Command(mixinStandardHelpOptions = true, name = "uncordon", description = "The node takes leases again.")
        int uncordon(
                @Parameters(paramLabel = "NAME") String name,
                @Option(names = "--reason", paramLabel = "TEXT", description = REASON) String reason,
                @Mixin CliContext.ApiOptions api) {
            return change(name, "uncordon", reason, api);
        }

        private int change(String name, String action, String reason, CliContext.ApiOptions api) {
            JsonNode node = ctx.client(api)
                    .reason(reason)
                    .post(ServiceKind.DISPATCHER, "/nodes/" + ForgelineClient.encode(name) + "/" + action, null);
            if (api.json) {
                ctx.printJson(node);
            } else {
                printNode(node);
            }
            return 0;
        }

        private void printNode(JsonNode n) {
            List<String> labels = new ArrayList<>();
            n.path("labels")
                    .fields()
                    .forEachRemaining(
                            e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
            ctx.out.printf(
                    "%-20s %-9s %d/%d slots free, %d leases  %s  %s%s%n",
                    n.path("name").asText(),
                    n.path("status").asText(),
                    n.path("freeSlots").asInt(),
                    n.path("capacity").asInt(),
                    n.path("activeLeases").asInt(),
                    text(n.path("kind")),
                    String.join(",", labels),
                    n.hasNonNull("statusReason")
                            ? "  (" + n.path("statusReason").asText() + ")"
                            : "");
        }
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "breakers",
            description = "Circuit breakers of the dispatcher (per profile, node, fleet).")
    static final class Breakers {
        private final CliContext ctx;

        Breakers(CliContext ctx) {
            this.ctx = ctx;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "list",
                description = "Every breaker with its state (they half-open by themselves after the cool-down).")
        int list(@Mixin CliContext.ApiOptions api) {
            JsonNode breakers = ctx.client(api).get(ServiceKind.DISPATCHER, "/breakers");
            if (api.json) {
                ctx.printJson(breakers);
                return 0;
            }
            if (breakers.isEmpty()) {
                ctx.out.println("no breakers");
            }
            for (JsonNode b : breakers) {
                ctx.out.printf(
                        "%-8s %-20s %-9s %d failures of %d attempts%s%s%n",
                        b.path("scope").asText(),
                        b.path("key").asText(),
                        b.path("state").asText(),
                        b.path("failures").asInt(),
                        b.path("attempts").asInt(),
                        b.hasNonNull("reason") ? "  " + b.path("reason").asText() : "",
                        b.hasNonNull("halfOpensAt")
                                ? "  half-opens at " + b.path("halfOpensAt").asText()
                                : "");
            }
            return 0;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "close",
                description = "Close an OPEN or HALF_OPEN breaker now (the node or profile is fixed): dispatch to it"
                        + " resumes at once.")
        int close(
                @Parameters(index = "0", paramLabel = "SCOPE", description = "PROFILE, NODE or GLOBAL") String scope,
                @Parameters(index = "1", paramLabel = "KEY", description = "the profile, the node, or fleet")
                        String key,
                @Option(names = "--reason", paramLabel = "TEXT", description = REASON) String reason,
                @Mixin CliContext.ApiOptions api) {
            JsonNode breaker = ctx.client(api)
                    .reason(reason)
                    .post(
                            ServiceKind.DISPATCHER,
                            "/breakers/" + ForgelineClient.encode(scope) + "/" + ForgelineClient.encode(key) + "/close",
                            null);
            if (api.json) {
                ctx.printJson(breaker);
            } else {
                ctx.out.printf(
                        "%s %s %s%s%n",
                        breaker.path("scope").asText(),
                        breaker.path("key").asText(),
                        breaker.path("state").asText(),
                        breaker.hasNonNull("reason")
                                ? "  " + breaker.path("reason").asText()
                                : "");
            }
            return 0;
        }
    }

    @Command(
            mixinStandardHelpOptions = true,
            name = "holds",
            description = "Holds on dispatch (manual pause, budget, review backlog): list, pause, lift.")
    static final class Holds {
        private final CliContext ctx;

        Holds(CliContext ctx) {
            this.ctx = ctx;
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "list",
                description = "Whether dispatch is held, and every reason in force.")
        int list(@Mixin CliContext.ApiOptions api) {
            return printed(ctx.client(api).get(ServiceKind.DISPATCHER, "/dispatch"), api);
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "pause",
                description = "Pause dispatch: no new leases; running attempts go on.")
        int pause(
                @Option(names = "--reason", paramLabel = "TEXT", description = "why") String reason,
                @Mixin CliContext.ApiOptions api) {
            String query = reason == null ? "" : "?reason=" + ForgelineClient.encode(reason);
            return printed(ctx.client(api).post(ServiceKind.DISPATCHER, "/dispatch/pause" + query, null), api);
        }

        @Command(
                mixinStandardHelpOptions = true,
                name = "lift",
                description = "Lift the manual pause (--all: the budget and review holds too).")
        int lift(
                @Option(names = "--all", description = "lift budget and review-backlog holds too") boolean all,
                @Option(names = "--reason", paramLabel = "TEXT", description = REASON) String reason,
                @Mixin CliContext.ApiOptions api) {
            return printed(
                    ctx.client(api)
                            .reason(reason)
                            .post(ServiceKind.DISPATCHER, "/dispatch/resume" + (all ? "?all=true" : ""), null),
                    api);
        }

        private int printed(JsonNode status, CliContext.ApiOptions api) {
            if (api.json) {
                ctx.printJson(status);
                return 0;
            }
            ctx.out.println(status.path("paused").asBoolean() ? "dispatch is held" : "dispatch runs");
            status.path("reasons").forEach(r -> ctx.out.println("  " + r.asText()));
            return 0;
        }
    }

    // ---- audit trail (planner, dispatcher, review, metrics) ---------------------------------------------

    @Command(
            mixinStandardHelpOptions = true,
            name = "audit",
            description = {
                "Who did what, to what, when and why: the audit trails of the planner, dispatcher, review and metrics"
                        + " services merged, newest first (needs an operator or admin token).",
                "A service that cannot be reached is named on standard error; the others are still listed."
            })
    static final class Audit implements java.util.concurrent.Callable<Integer> {
        /** The services that keep an audit trail. */
        static final List<ServiceKind> AUDITED =
                List.of(ServiceKind.PLANNER, ServiceKind.DISPATCHER, ServiceKind.REVIEW, ServiceKind.METRICS);

        private final CliContext ctx;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--service",
                paramLabel = "SERVICE",
                description = "only this service: planner, dispatcher, review or metrics")
        String service;

        @Option(
                names = "--since",
                paramLabel = "WHEN",
                description = "an instant (2026-12-04T10:00:00Z) or an age (90m, 24h, 7d)")
        String since;

        @Option(names = "--actor", paramLabel = "NAME", description = "only this identity's actions")
        String actor;

        @Option(names = "--action", paramLabel = "ACTION", description = "only this action (task.cancel, ...)")
        String action;

        @Option(names = "--target", paramLabel = "ID", description = "only actions on this spec, task, node or merge")
        String target;

        @Option(
                names = "--limit",
                paramLabel = "N",
                defaultValue = "100",
                description = "at most N entries (1..1000, default ${DEFAULT-VALUE})")
        int limit;

        @Mixin
        CliContext.ApiOptions api;

        Audit(CliContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            List<ServiceKind> services = AUDITED;
            if (service != null) {
                ServiceKind only = AUDITED.stream()
                        .filter(k -> k.name().equalsIgnoreCase(service.strip()))
                        .findFirst()
                        .orElseThrow(() -> new ParameterException(
                                spec.commandLine(),
                                "--service must be planner, dispatcher, review or metrics, not '" + service + "'"));
                services = List.of(only);
            }
            Map<String, String> query = new LinkedHashMap<>();
            query.put("since", since);
            query.put("actor", actor);
            query.put("action", action);
            query.put("target", target);
            query.put("limit", String.valueOf(limit));
            StringBuilder path = new StringBuilder("/audit");
            query.forEach((name, value) -> {
                if (value != null && !value.isBlank()) {
                    path.append(path.indexOf("?") < 0 ? '?' : '&')
                            .append(name)
                            .append('=')
                            .append(ForgelineClient.encode(value));
                }
            });
            ForgelineClient client = ctx.client(api);
            List<JsonNode> entries = new ArrayList<>();
            for (ServiceKind kind : services) {
                JsonNode answer;
                try {
                    answer = client.get(kind, path.toString());
                } catch (ForgelineClient.UnreachableException e) {
                    if (services.size() == 1) {
                        throw e;
                    }
                    ctx.err.println("warning: " + e.getMessage());
                    continue;
                }
                String name = kind.name().toLowerCase(Locale.ROOT);
                for (JsonNode entry : answer) {
                    ObjectNode withService = ForgelineCli.object();
                    withService.put("service", name);
                    withService.setAll((ObjectNode) entry);
                    entries.add(withService);
                }
            }
            entries.sort(Comparator.comparing(
                            (JsonNode e) -> Instant.parse(e.path("at").asText()))
                    .reversed());
            List<JsonNode> newest = entries.subList(0, Math.min(limit, entries.size()));
            if (api.json) {
                ArrayNode array = ForgelineCli.array();
                newest.forEach(array::add);
                ctx.printJson(array);
                return 0;
            }
            if (newest.isEmpty()) {
                ctx.out.println("no audit entries");
            }
            for (JsonNode e : newest) {
                ctx.out.printf(
                        "%-24s %-10s %-16s %-22s %s%s%n",
                        e.path("at").asText(),
                        e.path("service").asText(),
                        e.path("actor").asText(),
                        e.path("action").asText(),
                        text(e.path("target")),
                        e.hasNonNull("reason") ? "  (" + e.path("reason").asText() + ")" : "");
            }
            return 0;
        }
    }
}
