package dev.forgeline.planner.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.forgeline.planner.config.PlannerConfig;
import dev.forgeline.planner.metrics.PlannerMetrics;
import dev.forgeline.planner.quality.QualityGate;
import dev.forgeline.planner.spec.ParsedSpec;
import dev.forgeline.planner.spec.ParsedTask;
import dev.forgeline.planner.spec.SpecFormat;
import dev.forgeline.planner.spec.SpecValidator;
import dev.forgeline.support.problem.ProblemException;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The LLM planner against a local HTTP server that answers with recorded responses in each provider's wire
 * format (test resources {@code llm/}): request shape and headers, JSON schema validation, retries, tokens and
 * cost.
 */
class LlmPlannerTest {
    private static final String KEY = "sk-test-0123456789abcdef";
    private HttpServer server;
    private final Deque<int[]> statuses = new ConcurrentLinkedDeque<>();
    private final Deque<String> bodies = new ConcurrentLinkedDeque<>();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final List<Object[]> recorded = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(Map.of(
                    "path",
                    exchange.getRequestURI().getPath(),
                    "body",
                    body,
                    "authorization",
                    String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")),
                    "x-api-key",
                    String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")),
                    "anthropic-version",
                    String.valueOf(exchange.getRequestHeaders().getFirst("anthropic-version"))));
            int[] status = statuses.isEmpty() ? new int[] {200} : statuses.poll();
            byte[] answer = (bodies.isEmpty() ? "{}" : bodies.poll()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status[0], answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = LlmPlannerTest.class.getResourceAsStream("/llm/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void answer(int status, String body) {
        statuses.add(new int[] {status});
        bodies.add(body);
    }

    private LlmPlanner planner(String provider, int retries) {
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + (provider.equals("openai") ? "/v1" : "");
        PlannerMetrics metrics = new PlannerMetrics(OpenTelemetry.noop().getMeter("test"), null);
        LlmUsageLog log = new LlmUsageLog(null) {
            @Override
            public void record(
                    String purpose, String p, String model, long input, long output, BigDecimal cost, int attempts) {
                recorded.add(new Object[] {purpose, p, model, input, output, cost, attempts});
            }
        };
        return new LlmPlanner(config(provider, base, retries), new ObjectMapper(), metrics, log);
    }

    @Test
    void openAiChatCompletionsPlanIsReadValidatedAndCosted() throws IOException {
        answer(200, fixture("openai-chat-completion.json"));
        ParsedSpec spec = planner("openai", 0).plan("Build title tools: slugs and a report.");

        Map<String, String> request = requests.get(0);
        assertThat(request.get("path")).isEqualTo("/v1/chat/completions");
        assertThat(request.get("authorization")).isEqualTo("Bearer " + KEY);
        JsonNode sent = new ObjectMapper().readTree(request.get("body"));
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.path("messages").get(0).path("content").asText()).contains("\"tasks\"");
        assertThat(sent.path("messages").get(1).path("content").asText()).contains("Build title tools");
        assertThat(sent.path("response_format").path("type").asText()).isEqualTo("json_object");
        assertThat(request.get("body")).doesNotContain(KEY);

        assertThat(spec.format()).isEqualTo(SpecFormat.FREEFORM);
        assertThat(spec.name()).isEqualTo("Title tools");
        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("slugify", "report");
        ParsedTask slugify = spec.tasks().get(0);
        assertThat(slugify.estimateSeconds()).isEqualTo(600);
        assertThat(slugify.files()).containsExactly("lib/slugify.sh", "test/slugify_test.sh");
        assertThat(slugify.acceptance()).hasSize(2);
        assertThat(spec.tasks().get(1).dependsOn()).containsExactly("slugify");
        assertThat(SpecValidator.validate(spec)).isEmpty();
        assertThat(QualityGate.score(slugify).qualityClass().name()).isEqualTo("HIGHLY_SPECIFIED");

        // 612 input tokens at $0.15/M + 231 output tokens at $0.60/M
        assertThat(recorded).hasSize(1);
        assertThat(recorded.get(0))
                .containsExactly("plan", "openai", "gpt-4o-mini", 612L, 231L, new BigDecimal("0.000230"), 1);
    }

    @Test
    void anthropicMessagesAnswerInAFenceIsReadAndCosted() throws IOException {
        answer(529, fixture("anthropic-overloaded.json"));
        answer(200, fixture("anthropic-message.json"));
        ParsedSpec spec = planner("anthropic", 2).plan("Build title tools.");

        assertThat(requests).hasSize(2);
        Map<String, String> request = requests.get(1);
        assertThat(request.get("path")).isEqualTo("/v1/messages");
        assertThat(request.get("x-api-key")).isEqualTo(KEY);
        assertThat(request.get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(request.get("authorization")).isEqualTo("null");
        JsonNode sent = new ObjectMapper().readTree(request.get("body"));
        assertThat(sent.path("system").asText()).contains("JSON schema");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(4096);
        assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("user");

        assertThat(spec.tasks()).extracting(ParsedTask::id).containsExactly("slugify", "report");
        assertThat(recorded.get(0))
                .containsExactly("plan", "anthropic", "gpt-4o-mini", 655L, 248L, new BigDecimal("0.000247"), 2);
    }

    @Test
    void anAnswerBreakingTheSchemaIsRetriedAndTheTokensOfEveryAttemptCount() throws IOException {
        answer(200, fixture("openai-schema-violation.json"));
        answer(200, fixture("openai-chat-completion.json"));
        ParsedSpec spec = planner("openai", 1).plan("x");
        assertThat(spec.tasks()).hasSize(2);
        assertThat(recorded.get(0))
                .containsExactly("plan", "openai", "gpt-4o-mini", 1212L, 251L, new BigDecimal("0.000332"), 2);
    }

    @Test
    void withoutAValidAnswerAfterEveryRetryThePlannerFailsWith502AndNamesTheProblem() throws IOException {
        answer(200, fixture("openai-schema-violation.json"));
        answer(200, fixture("openai-schema-violation.json"));
        assertThatThrownBy(() -> planner("openai", 1).plan("x"))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("tasks[0].id: must match")
                .hasMessageContaining("tasks[0].description")
                .hasMessageNotContaining(KEY)
                .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(502));
        assertThat(requests).hasSize(2);

        // a refused request (401) is not repeated
        requests.clear();
        answer(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}");
        assertThatThrownBy(() -> planner("openai", 3).plan("x")).hasMessageContaining("HTTP 401");
        assertThat(requests).hasSize(1);
    }

    @Test
    void schemaValidationListsEveryFault() throws IOException {
        ObjectMapper json = new ObjectMapper();
        assertThat(LlmPlanner.validate(json.readTree("[]"))).containsExactly("the answer is not a JSON object");
        assertThat(LlmPlanner.validate(json.readTree("{\"tasks\":[]}")))
                .containsExactly("name: a string is required", "tasks: a non-empty array is required");
        assertThat(LlmPlanner.validate(
                        json.readTree("{\"name\":\"n\",\"tasks\":[{\"id\":\"a\",\"title\":\"t\",\"description\":\"d\","
                                + "\"acceptance\":[1],\"estimate\":5}]}")))
                .containsExactly(
                        "tasks[0].acceptance: an array of strings is required",
                        "tasks[0].estimate: a string is required");
    }

    @Test
    void unconfiguredOrUnknownProvidersAreOff() {
        assertThat(planner("openai", 0).configured()).isTrue();
        PlannerMetrics metrics = new PlannerMetrics(OpenTelemetry.noop().getMeter("test"), null);
        assertThat(new LlmPlanner(config("word", "http://x", 0), new ObjectMapper(), metrics, null).configured())
                .isFalse();
    }

    private static PlannerConfig config(String provider, String baseUrl, int retries) {
        PlannerConfig.Llm llm = new PlannerConfig.Llm() {
            public Optional<String> provider() {
                return Optional.of(provider);
            }

            public Optional<String> baseUrl() {
                return Optional.of(baseUrl);
            }

            public Optional<String> model() {
                return Optional.of("gpt-4o-mini");
            }

            public Optional<String> apiKey() {
                return Optional.of(KEY);
            }

            public Duration timeout() {
                return Duration.ofSeconds(5);
            }

            public int retries() {
                return retries;
            }

            public BigDecimal inputPricePerMillion() {
                return new BigDecimal("0.15");
            }

            public BigDecimal outputPricePerMillion() {
                return new BigDecimal("0.60");
            }

            public int maxTokens() {
                return 4096;
            }
        };
        return new PlannerConfig() {
            public String defaultBaseBranch() {
                return "main";
            }

            public String defaultProject() {
                return "default";
            }

            public Duration defaultEstimate() {
                return Duration.ofMinutes(15);
            }

            public long maxSpecBytes() {
                return 1 << 20;
            }

            public boolean allowLocalPaths() {
                return true;
            }

            public Optional<String> defaultTestCommand() {
                return Optional.empty();
            }

            public Limits limits() {
                return null;
            }

            public Proposals proposals() {
                return null;
            }

            public Llm llm() {
                return llm;
            }
        };
    }
}
