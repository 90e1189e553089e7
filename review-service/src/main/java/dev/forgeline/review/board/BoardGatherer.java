package dev.forgeline.review.board;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.contracts.Projects;
import dev.forgeline.contracts.WaitingReasons;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.board.BoardSnapshot.BreakerRow;
import dev.forgeline.review.board.BoardSnapshot.DecisionRow;
import dev.forgeline.review.board.BoardSnapshot.Holds;
import dev.forgeline.review.board.BoardSnapshot.NodeRow;
import dev.forgeline.review.board.BoardSnapshot.ReviewRow;
import dev.forgeline.review.board.BoardSnapshot.ServiceState;
import dev.forgeline.review.board.BoardSnapshot.SpecRow;
import dev.forgeline.review.board.BoardSnapshot.TaskRow;

/**
 * Gathers one {@link BoardSnapshot}: REST GETs to the planner ({@code /specs}, {@code /specs/{id}}, {@code
 * /decisions}) and the dispatcher ({@code /tasks?specId=}, {@code /nodes}, {@code /breakers}, {@code /dispatch}),
 * plus the review service's own data. A service that is not configured, cannot be reached, is too slow or answers
 * an error is shown as unavailable with the reason; the rest of the board is still gathered.
 */
public class BoardGatherer {
    public static final String PLANNER = "planner";
    public static final String DISPATCHER = "dispatcher";

    /** What the review service knows itself. */
    public interface OwnData {
        List<ReviewRow> reviewQueue();

        ReviewBacklog backlog();

        /** The reported cost of every attempt, summed per task ({@code specId/taskId}), of these specs. */
        Map<String, BigDecimal> costPerTask(Collection<String> specIds);
    }

    private final Optional<URI> planner;
    private final Optional<URI> dispatcher;
    private final Optional<String> token;
    private final Duration timeout;
    private final int maxSpecs;
    private final HttpClient http;
    private final ObjectMapper json;

    public BoardGatherer(
            Optional<URI> planner,
            Optional<URI> dispatcher,
            Optional<String> token,
            Duration timeout,
            int maxSpecs,
            ObjectMapper json) {
        this.planner = planner;
        this.dispatcher = dispatcher;
        this.token = token.filter(t -> !t.isBlank());
        this.timeout = timeout;
        this.maxSpecs = maxSpecs;
        this.json = json;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public BoardSnapshot gather(OwnData own) {
        Source plannerSource = new Source(PLANNER, planner);
        Source dispatcherSource = new Source(DISPATCHER, dispatcher);

        List<JsonNode> specs = new ArrayList<>();
        int notShown = 0;
        Map<String, Integer> notShownByProject = new HashMap<>();
        // every spec's project (the summaries list them all): decisions name only their spec
        Map<String, String> projectOfSpec = new HashMap<>();
        JsonNode summaries = plannerSource.get("/specs");
        if (summaries != null) {
            List<JsonNode> newestFirst = new ArrayList<>();
            summaries.forEach(newestFirst::add);
            newestFirst.sort(
                    Comparator.comparing((JsonNode s) -> s.path("createdAt").asText())
                            .reversed());
            newestFirst.forEach(s -> projectOfSpec.put(s.path("id").asText(), text(s, "project")));
            // the newest max-specs of every project, so that a viewer of a quiet project sees as many of its own as
            // one of a busy project; each viewer is then shown the newest max-specs of what it sees
            Map<String, Integer> taken = new HashMap<>();
            List<JsonNode> newestOfEachProject = new ArrayList<>();
            for (JsonNode summary : newestFirst) {
                String project = Projects.orDefault(text(summary, "project"));
                if (taken.merge(project, 1, Integer::sum) <= maxSpecs) {
                    newestOfEachProject.add(summary);
                } else {
                    notShownByProject.merge(project, 1, Integer::sum);
                    notShown++;
                }
            }
            for (JsonNode summary : newestOfEachProject) {
                JsonNode spec =
                        plannerSource.get("/specs/" + encode(summary.path("id").asText()));
                if (spec == null) {
                    specs.clear();
                    break;
                }
                specs.add(spec);
            }
        }
        List<DecisionRow> decisions = new ArrayList<>();
        JsonNode openDecisions = plannerSource.get("/decisions");
        if (openDecisions != null) {
            openDecisions.forEach(d -> decisions.add(new DecisionRow(
                    d.path("id").asText(),
                    text(d, "specId"),
                    text(d, "taskId"),
                    text(d, "kind"),
                    text(d, "question"),
                    instant(d, "requestedAt"),
                    projectOfSpec.get(text(d, "specId")))));
        }

        Map<String, BigDecimal> costs =
                own.costPerTask(specs.stream().map(s -> s.path("id").asText()).toList());
        List<SpecRow> specRows = new ArrayList<>();
        for (JsonNode spec : specs) {
            String specId = spec.path("id").asText();
            JsonNode dispatched = dispatcherSource.get("/tasks?limit=1000&specId=" + encode(specId));
            specRows.add(specRow(spec, projectOfSpec.get(specId), dispatched, dispatcherSource.available(), costs));
        }

        List<NodeRow> nodes = new ArrayList<>();
        JsonNode nodeList = dispatcherSource.get("/nodes");
        if (nodeList != null) {
            nodeList.forEach(n -> nodes.add(new NodeRow(
                    n.path("name").asText(),
                    text(n, "status"),
                    text(n, "statusReason"),
                    n.path("capacity").asInt(),
                    n.path("activeLeases").asInt(),
                    n.path("freeSlots").asInt(),
                    instant(n, "lastSeenAt"))));
        }
        List<BreakerRow> breakers = new ArrayList<>();
        JsonNode breakerList = dispatcherSource.get("/breakers");
        if (breakerList != null) {
            breakerList.forEach(b -> breakers.add(new BreakerRow(
                    text(b, "scope"),
                    text(b, "key"),
                    text(b, "state"),
                    b.path("failures").asInt(),
                    text(b, "reason"),
                    instant(b, "halfOpensAt"))));
        }
        JsonNode dispatch = dispatcherSource.get("/dispatch");
        Boolean paused = dispatch == null ? null : dispatch.path("paused").asBoolean();
        List<String> reasons = new ArrayList<>();
        if (dispatch != null) {
            dispatch.path("reasons").forEach(r -> reasons.add(r.asText()));
        }
        ReviewBacklog backlog = own.backlog();
        Holds holds = new Holds(
                paused,
                List.copyOf(reasons),
                backlog.holdBack(),
                backlog.reason(),
                backlog.pendingHighRisk(),
                backlog.pendingTotal(),
                backlog.dailyCapacity());

        return new BoardSnapshot(
                List.of(plannerSource.state(), dispatcherSource.state()),
                List.copyOf(specRows),
                plannerSource.available() ? notShown : 0,
                plannerSource.available() ? Map.copyOf(notShownByProject) : Map.of(),
                List.copyOf(nodes),
                List.copyOf(breakers),
                holds,
                List.copyOf(own.reviewQueue()),
                List.copyOf(decisions),
                maxSpecs);
    }

    private static SpecRow specRow(
            JsonNode spec,
            String project,
            JsonNode dispatched,
            boolean dispatcherReached,
            Map<String, BigDecimal> costs) {
        String specId = spec.path("id").asText();
        Map<String, JsonNode> byTask = new HashMap<>();
        if (dispatched != null) {
            dispatched.forEach(t -> byTask.put(t.path("taskId").asText(), t));
        }
        List<TaskRow> tasks = new ArrayList<>();
        long merged = 0;
        boolean failed = false;
        boolean needsDecision = false;
        boolean allFinal = true;
        for (JsonNode task : spec.path("tasks")) {
            String taskId = task.path("taskId").asText();
            String state = task.path("state").asText();
            JsonNode atDispatcher = byTask.get(taskId);
            merged += state.equals("MERGED") ? 1 : 0;
            failed |= state.equals("FAILED");
            needsDecision |= state.equals("NEEDS_DECISION");
            allFinal &= List.of("MERGED", "REJECTED", "REVERTED", "CANCELLED").contains(state);
            String node = atDispatcher == null ? null : text(atDispatcher, "nodeName");
            int attempt = Math.max(
                    task.path("attempt").asInt(),
                    atDispatcher == null ? 0 : atDispatcher.path("attempt").asInt());
            tasks.add(new TaskRow(
                    taskId,
                    text(task, "title"),
                    state,
                    attempt,
                    node,
                    costs.get(specId + "/" + taskId),
                    WaitingReasons.of(task, state, atDispatcher, dispatcherReached)));
        }
        long total = tasks.size();
        String state;
        if (total > 0 && merged == total) {
            state = "MERGED";
        } else if (failed) {
            state = "FAILED";
        } else if (needsDecision) {
            state = "NEEDS_DECISION";
        } else if (allFinal && total > 0) {
            state = "ENDED";
        } else {
            state = "IN_PROGRESS";
        }
        return new SpecRow(
                specId,
                text(spec, "name"),
                instant(spec, "createdAt"),
                merged,
                total,
                state,
                List.copyOf(tasks),
                project);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asText();
    }

    private static Instant instant(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * One service during one gathering: after its first failure it is unavailable and asked nothing more, so that a
     * service that hangs costs one timeout per gathering, not one per call.
     */
    private final class Source {
        private final String name;
        private final Optional<URI> base;
        private String problem;

        Source(String name, Optional<URI> base) {
            this.name = name;
            this.base = base;
            if (base.isEmpty()) {
                problem = "not configured (forgeline.review.board." + name + "-url)";
            }
        }

        boolean available() {
            return problem == null;
        }

        ServiceState state() {
            return new ServiceState(name, available(), problem);
        }

        /** The JSON body of a 200 answer, or null (and the service unavailable from now on). */
        JsonNode get(String path) {
            if (problem != null) {
                return null;
            }
            // appended, not resolved: a base URL with a path (behind a proxy) keeps it
            String root = base.get().toString().replaceAll("/+$", "");
            URI uri = URI.create(root + path);
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Accept", "application/json")
                    .GET();
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    problem = "GET " + uri.getPath() + " answered " + response.statusCode();
                    return null;
                }
                return json.readTree(response.body());
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                problem = "GET " + uri.getPath() + " answered no JSON";
            } catch (java.net.http.HttpTimeoutException e) {
                problem = "GET " + uri.getPath() + " took longer than " + timeout.toMillis() + " ms";
            } catch (IOException e) {
                problem = "cannot reach " + base.get() + ": " + describe(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = "interrupted";
            }
            return null;
        }

        private static String describe(IOException e) {
            String message = e.getMessage();
            return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        }
    }
}
