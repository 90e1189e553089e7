package dev.forgeline.planner.llm;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeline.planner.config.PlannerConfig;
import dev.forgeline.planner.metrics.PlannerMetrics;
import dev.forgeline.planner.spec.Estimates;
import dev.forgeline.planner.spec.FileMentions;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecError;
import dev.forgeline.planner.spec.SpecFormat;
import dev.forgeline.planner.spec.SpecParser;
import dev.forgeline.support.problem.ProblemException;
import org.jboss.logging.Logger;

/**
 * Plans free-form Markdown (and splits tasks too large for any context) with an LLM: OpenAI-compatible chat
 * completions or Anthropic Messages over HTTP. The model must answer with JSON matching {@link #SCHEMA}; an
 * answer that is not valid JSON or breaks the schema is retried like a failed call, up to
 * {@code forgeline.planner.llm.retries} more times. Tokens and cost of every call are recorded (metrics and the
 * {@code llm_usage} table). The API key travels only in the request header: it is never logged or stored.
 */
@ApplicationScoped
public class LlmPlanner {
    public static final String LLM_FAILED = "https://forgeline.dev/problems/llm-planner-failed";
    private static final Logger LOG = Logger.getLogger(LlmPlanner.class);
    static final String ENV_API_KEY = "FORGELINE_PLANNER_LLM_API_KEY";

    /** The JSON the model must produce (also sent to it in the system prompt). */
    public static final String SCHEMA = """
            {"type":"object","required":["name","tasks"],"properties":{
              "name":{"type":"string"},
              "tasks":{"type":"array","minItems":1,"items":{"type":"object","required":["id","title","description",
                "acceptance"],"properties":{
                "id":{"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9._-]*$"},
                "title":{"type":"string"},"description":{"type":"string"},
                "acceptance":{"type":"array","items":{"type":"string"}},
                "testCommand":{"type":"string"},"estimate":{"type":"string"},
                "dependsOn":{"type":"array","items":{"type":"string"}},
                "files":{"type":"array","items":{"type":"string"}},
                "inputs":{"type":"array","items":{"type":"string"}},
                "outputs":{"type":"array","items":{"type":"string"}}}}}}}""";

    private static final String SYSTEM_PROMPT = """
            You are the planner of a build engine for coding agents. Decompose the user's specification into \
            small tasks, each doable by one agent in one attempt, each with acceptance criteria that a test can \
            check. Name the files each task touches. Do not dictate data structures, algorithms or code. \
            Answer with one JSON object only, no prose, matching this JSON schema:
            """ + SCHEMA;

    private final PlannerConfig.Llm config;
    private final ObjectMapper json;
    private final PlannerMetrics metrics;
    private final LlmUsageLog usageLog;
    private final long defaultEstimateSeconds;
    private final HttpClient http;

    public LlmPlanner(PlannerConfig config, ObjectMapper json, PlannerMetrics metrics, LlmUsageLog usageLog) {
        this.config = config.llm();
        this.json = json;
        this.metrics = metrics;
        this.usageLog = usageLog;
        this.defaultEstimateSeconds = config.defaultEstimate().toSeconds();
        this.http =
                HttpClient.newBuilder().connectTimeout(this.config.timeout()).build();
    }

    public boolean configured() {
        return provider().isPresent()
                && config.baseUrl().isPresent()
                && config.model().isPresent();
    }

    private Optional<String> provider() {
        return config.provider()
                .map(p -> p.strip().toLowerCase(Locale.ROOT))
                .filter(p -> p.equals("openai") || p.equals("anthropic"));
    }

    /** Plans free-form Markdown into tasks. */
    public ParsedSpec plan(String markdown) {
        JsonNode answer = call("plan", "Specification:\n\n" + markdown);
        return toSpec(answer);
    }

    /** Splits a task that exhausted every context into smaller ones. */
    public ParsedSpec split(String taskText, String failureContext) {
        JsonNode answer = call(
                "split",
                "This task was too large for the agent's context and failed. Split it into "
                        + "2 to 5 smaller tasks that together do the same work.\n\nTask:\n" + taskText
                        + (failureContext == null || failureContext.isBlank()
                                ? ""
                                : "\n\nWhat failed:\n" + failureContext));
        return toSpec(answer);
    }

    /** Last usage figures, for tests and logs: input tokens, output tokens, cost. */
    volatile Object[] lastUsage;

    /** The model's answer as a validated JSON object. */
    JsonNode call(String purpose, String userText) {
        String provider = provider().orElseThrow(() -> new IllegalStateException("no LLM planner configured"));
        String model = config.model().orElseThrow();
        int attempts = 0;
        long inputTokens = 0;
        long outputTokens = 0;
        String lastProblem = "";
        try {
            for (attempts = 1; attempts <= 1 + Math.max(0, config.retries()); attempts++) {
                HttpResponse<String> response;
                try {
                    response = http.send(request(provider, model, userText), HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    lastProblem = "call failed: " + e.getClass().getSimpleName() + ": " + e.getMessage();
                    LOG.warnf("LLM planner (%s %s) attempt %d: %s", provider, model, attempts, lastProblem);
                    continue;
                }
                if (response.statusCode() / 100 != 2) {
                    lastProblem = "HTTP " + response.statusCode();
                    LOG.warnf("LLM planner (%s %s) attempt %d: %s", provider, model, attempts, lastProblem);
                    if (response.statusCode() / 100 == 4
                            && response.statusCode() != 429
                            && response.statusCode() != 408) {
                        break; // a refused request (bad key, bad model) does not get better by repeating it
                    }
                    continue;
                }
                JsonNode body = json.readTree(response.body());
                long[] usage = usage(provider, body);
                inputTokens += usage[0];
                outputTokens += usage[1];
                String content = content(provider, body);
                try {
                    JsonNode answer = json.readTree(stripFence(content));
                    List<String> faults = validate(answer);
                    if (faults.isEmpty()) {
                        return answer;
                    }
                    lastProblem = "answer breaks the schema: " + String.join("; ", faults);
                } catch (IOException e) {
                    lastProblem = "answer is not JSON: " + e.getMessage();
                }
                LOG.warnf("LLM planner (%s %s) attempt %d: %s", provider, model, attempts, lastProblem);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lastProblem = "interrupted";
        } catch (IOException e) {
            lastProblem = "unreadable response: " + e.getMessage();
        } finally {
            record(purpose, provider, model, inputTokens, outputTokens, Math.min(attempts, 1 + config.retries()));
        }
        throw new ProblemException(
                502,
                LLM_FAILED,
                "LLM planner failed",
                "the LLM planner (" + provider + ", " + model + ") gave no valid plan: " + lastProblem,
                List.of());
    }

    private HttpRequest request(String provider, String model, String userText) throws IOException {
        String base = config.baseUrl().orElseThrow().replaceAll("/+$", "");
        String key = config.apiKey().filter(k -> !k.isBlank()).orElse(System.getenv(ENV_API_KEY));
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        body.put("max_tokens", config.maxTokens());
        HttpRequest.Builder builder;
        if (provider.equals("openai")) {
            ArrayNode messages = body.putArray("messages");
            messages.addObject().put("role", "system").put("content", SYSTEM_PROMPT);
            messages.addObject().put("role", "user").put("content", userText);
            body.putObject("response_format").put("type", "json_object");
            builder = HttpRequest.newBuilder(URI.create(base + "/chat/completions"));
            if (key != null && !key.isBlank()) {
                builder.header("Authorization", "Bearer " + key);
            }
        } else {
            body.put("system", SYSTEM_PROMPT);
            body.putArray("messages").addObject().put("role", "user").put("content", userText);
            builder = HttpRequest.newBuilder(URI.create(base + "/v1/messages"));
            builder.header("anthropic-version", "2023-06-01");
            if (key != null && !key.isBlank()) {
                builder.header("x-api-key", key);
            }
        }
        return builder.timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
    }

    private static String content(String provider, JsonNode body) {
        if (provider.equals("openai")) {
            return body.path("choices").path(0).path("message").path("content").asText("");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : body.path("content")) {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText());
            }
        }
        return text.toString();
    }

    private static long[] usage(String provider, JsonNode body) {
        JsonNode usage = body.path("usage");
        return provider.equals("openai")
                ? new long[] {
                    usage.path("prompt_tokens").asLong(0),
                    usage.path("completion_tokens").asLong(0)
                }
                : new long[] {
                    usage.path("input_tokens").asLong(0),
                    usage.path("output_tokens").asLong(0)
                };
    }

    /** Models sometimes wrap JSON in a Markdown fence. */
    private static String stripFence(String content) {
        String text = content.strip();
        if (text.startsWith("```")) {
            int first = text.indexOf('\n');
            int last = text.lastIndexOf("```");
            if (first > 0 && last > first) {
                return text.substring(first + 1, last);
            }
        }
        return text;
    }

    /** Checks the answer against {@link #SCHEMA}; returns every fault. */
    static List<String> validate(JsonNode answer) {
        List<String> faults = new ArrayList<>();
        if (!answer.isObject()) {
            return List.of("the answer is not a JSON object");
        }
        if (!answer.path("name").isTextual()) {
            faults.add("name: a string is required");
        }
        JsonNode tasks = answer.path("tasks");
        if (!tasks.isArray() || tasks.isEmpty()) {
            faults.add("tasks: a non-empty array is required");
            return faults;
        }
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode task = tasks.get(i);
            String where = "tasks[" + i + "]";
            if (!task.isObject()) {
                faults.add(where + ": an object is required");
                continue;
            }
            for (String field : List.of("id", "title", "description")) {
                if (!task.path(field).isTextual()) {
                    faults.add(where + "." + field + ": a string is required");
                }
            }
            if (task.path("id").isTextual()
                    && !SpecParser.TASK_ID.matcher(task.path("id").asText()).matches()) {
                faults.add(where + ".id: must match " + SpecParser.TASK_ID.pattern());
            }
            if (!task.path("acceptance").isArray()) {
                faults.add(where + ".acceptance: an array of strings is required");
            }
            for (String field : List.of("acceptance", "dependsOn", "files", "inputs", "outputs")) {
                JsonNode list = task.path(field);
                if (!list.isMissingNode() && (!list.isArray() || !allText(list))) {
                    faults.add(where + "." + field + ": an array of strings is required");
                }
            }
            for (String field : List.of("testCommand", "estimate")) {
                JsonNode value = task.path(field);
                if (!value.isMissingNode() && !value.isNull() && !value.isTextual()) {
                    faults.add(where + "." + field + ": a string is required");
                }
            }
        }
        return faults;
    }

    private static boolean allText(JsonNode list) {
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private ParsedSpec toSpec(JsonNode answer) {
        List<ParsedTask> tasks = new ArrayList<>();
        List<SpecError> errors = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode t : answer.path("tasks")) {
            index++;
            String id = t.path("id").asText();
            if (seen.putIfAbsent(id, index) != null) {
                errors.add(new SpecError("the LLM planner named task '" + id + "' twice", null, "Task"));
                continue;
            }
            List<String> files = texts(t.path("files"));
            String description = t.path("description").asText("");
            FileMentions.addMentioned(files, description);
            long estimate = t.path("estimate").isTextual()
                    ? Estimates.parseSeconds(t.path("estimate").asText()).orElse(defaultEstimateSeconds)
                    : defaultEstimateSeconds;
            String testCommand = t.path("testCommand").isTextual()
                            && !t.path("testCommand").asText().isBlank()
                    ? t.path("testCommand").asText()
                    : null;
            tasks.add(new ParsedTask(
                    id,
                    t.path("title").asText(),
                    description,
                    texts(t.path("acceptance")),
                    testCommand,
                    estimate,
                    texts(t.path("dependsOn")),
                    null,
                    0,
                    Map.of(),
                    null,
                    index,
                    texts(t.path("inputs")),
                    texts(t.path("outputs")),
                    List.of(),
                    files,
                    t.path("acceptance").size() > 0));
        }
        return new ParsedSpec(
                answer.path("name").asText("untitled"),
                null,
                null,
                null,
                null,
                "",
                tasks,
                tasks.size(),
                false,
                errors,
                SpecFormat.FREEFORM,
                List.of());
    }

    private static List<String> texts(JsonNode list) {
        List<String> values = new ArrayList<>();
        if (list.isArray()) {
            list.forEach(v -> values.add(v.asText()));
        }
        return values;
    }

    private void record(String purpose, String provider, String model, long input, long output, int attempts) {
        BigDecimal million = BigDecimal.valueOf(1_000_000);
        BigDecimal cost = config.inputPricePerMillion()
                .multiply(BigDecimal.valueOf(input))
                .add(config.outputPricePerMillion().multiply(BigDecimal.valueOf(output)))
                .divide(million, 6, RoundingMode.HALF_UP);
        metrics.llmUsed(provider, model, input, output, cost);
        lastUsage = new Object[] {input, output, cost, attempts};
        LOG.infof(
                "LLM planner %s: %s %s, %d input + %d output tokens, %s USD, %d attempt(s)",
                purpose, provider, model, input, output, cost.toPlainString(), attempts);
        usageLog.record(purpose, provider, model, input, output, cost, attempts);
    }
}
