package dev.forgeline.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import dev.forgeline.testsupport.platformfixture.SharedResources;
import org.jboss.jandex.IndexWriter;
import org.jboss.jandex.Indexer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenApiContractTest {
    private static final Path TEST_CLASSES = Path.of("target", "test-classes");
    private static final String PREFIX = OpenApiContractTest.class.getName() + "$";

    @jakarta.ws.rs.Path("/things/")
    static class ThingResource {
        @GET
        public String list() {
            return "";
        }

        @POST
        @jakarta.ws.rs.Path("{id: [a-z]+}/touch")
        public String touch() {
            return "";
        }

        public String notAnEndpoint() {
            return "";
        }
    }

    @jakarta.ws.rs.Path("hidden")
    static class HiddenResource {
        @PUT
        public void put() {}
    }

    record Problem(String type, String title, int status, String detail, String instance, Object errors) {}

    record ProblemError(String message, Integer line, String field) {}

    @Test
    void readsTheOperationsTheResourcesDeclare() {
        assertThat(OpenApiContract.declaredOperations(
                        TEST_CLASSES, PREFIX, getClass().getClassLoader(), ""))
                .containsExactlyInAnyOrder("GET /things", "POST /things/{id}/touch", "PUT /hidden");
        assertThat(OpenApiContract.declaredOperations(
                        TEST_CLASSES, PREFIX, getClass().getClassLoader(), " " + HiddenResource.class.getName()))
                .containsExactlyInAnyOrder("GET /things", "POST /things/{id}/touch");
    }

    @Test
    void addsThePlatformResourcesTheServiceKeepsFoundInTheJandexIndexesOfItsClassPath(@TempDir Path root)
            throws IOException {
        Indexer indexer = new Indexer();
        for (Class<?> type : List.of(
                SharedResources.class,
                SharedResources.Served.class,
                SharedResources.LeftOut.class,
                SharedResources.Helper.class)) {
            indexer.indexClass(type);
        }
        Path index = root.resolve(OpenApiContract.JANDEX_INDEX);
        Files.createDirectories(index.getParent());
        try (OutputStream out = Files.newOutputStream(index)) {
            new IndexWriter(out).write(indexer.complete());
        }
        String platform = SharedResources.class.getPackageName() + ".";
        Set<Class<?>> kept = Set.of(SharedResources.Served.class);
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {root.toUri().toURL()}, getClass().getClassLoader())) {
            assertThat(OpenApiContract.declaredOperations(
                            TEST_CLASSES, PREFIX, loader, HiddenResource.class.getName(), platform, kept::contains))
                    .containsExactlyInAnyOrder("GET /things", "POST /things/{id}/touch", "GET /shared");
            assertThat(OpenApiContract.declaredOperations(TEST_CLASSES, PREFIX, loader, "", platform, type -> true))
                    .containsExactlyInAnyOrder(
                            "GET /things",
                            "POST /things/{id}/touch",
                            "PUT /hidden",
                            "GET /shared",
                            "DELETE /conditional/{id}");
            // a platform resource the document leaves out on purpose is left out here too
            assertThat(OpenApiContract.declaredOperations(
                            TEST_CLASSES,
                            PREFIX,
                            loader,
                            SharedResources.Served.class.getName(),
                            platform,
                            type -> true))
                    .doesNotContain("GET /shared")
                    .contains("DELETE /conditional/{id}");
        }
    }

    @Test
    void anUndocumentedOrUnsummarisedOrExtraOperationFails() {
        Set<String> declared = Set.of("GET /things", "POST /things/{id}/touch");
        OpenApiContract.of(document("\"summary\": \"Touch\"", "")).assertListsExactly(declared);

        assertThatThrownBy(() -> OpenApiContract.of(document("\"summary\": \"Touch\"", ""))
                        .assertListsExactly(Set.of("GET /things", "POST /things/{id}/touch", "PUT /hidden")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("PUT /hidden");
        assertThatThrownBy(() -> OpenApiContract.of(document("\"description\": \"no summary\"", ""))
                        .assertListsExactly(declared))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("summary");
        assertThatThrownBy(() -> OpenApiContract.of(
                                document("\"summary\": \"Touch\"", ", \"/q/health\": {\"get\": {\"summary\": \"x\"}}"))
                        .assertListsExactly(declared))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("/q/health");
    }

    @Test
    void problemResponsesAndSchemaAreCheckedAgainstTheRecords() {
        OpenApiContract openApi = OpenApiContract.of(document("\"summary\": \"Touch\"", ""));
        openApi.assertProblemSchemaMatches(Problem.class, ProblemError.class);
        openApi.assertDocumentsProblem("POST /things/{id}/touch", 404, "about:blank");
        assertThatThrownBy(() -> openApi.assertDocumentsProblem("POST /things/{id}/touch", 409, "about:blank"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> openApi.assertDocumentsProblem(
                        "POST /things/{id}/touch", 404, "https://forgeline.dev/problems/other"))
                .isInstanceOf(AssertionError.class);

        record Renamed(String kind, String title, int status, String detail, String instance, Object errors) {}
        assertThatThrownBy(() -> openApi.assertProblemSchemaMatches(Renamed.class, ProblemError.class))
                .isInstanceOf(AssertionError.class);
        OpenApiContract noRateLimit =
                OpenApiContract.of(document("\"summary\": \"Touch\"", "").replace(RATE_LIMITED_RESPONSE + ",", ""));
        assertThatThrownBy(() -> noRateLimit.assertProblemSchemaMatches(Problem.class, ProblemError.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("GET /things documents a 429 response");
        OpenApiContract noRetryAfter = OpenApiContract.of(document("\"summary\": \"Touch\"", "")
                .replace("\"headers\": {\"Retry-After\"", "\"headers\": {\"X-Retry\""));
        assertThatThrownBy(() -> noRetryAfter.assertProblemSchemaMatches(Problem.class, ProblemError.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Retry-After");
        OpenApiContract otherType = OpenApiContract.of(
                document("\"summary\": \"Touch\"", "").replace("problems/rate-limited", "problems/slow-down"));
        assertThatThrownBy(() -> otherType.assertProblemSchemaMatches(Problem.class, ProblemError.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("429");
        OpenApiContract plainError = OpenApiContract.of(document("\"summary\": \"Touch\"", "")
                // the 404's body only (its media type ends its line; the 429's does not)
                .replace("\"content\": {\"application/problem+json\":\n", "\"content\": {\"text/plain\":\n"));
        assertThatThrownBy(() -> plainError.assertProblemSchemaMatches(Problem.class, ProblemError.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("404");
    }

    /** The 429 every operation documents, as ProblemOpenApiFilter writes it. */
    private static final String RATE_LIMITED_RESPONSE = """
            "429": {"description": "Over the rate limit (https://forgeline.dev/problems/rate-limited)",
                    "headers": {"Retry-After": {"schema": {"type": "integer", "format": "int64"}}},
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}\
            """;

    private static String document(String touchSummary, String morePaths) {
        return """
                {"openapi": "3.1.0",
                 "info": {"title": "Things", "version": "1", "description": "Things and touches"},
                 "paths": {
                   "/things": {"get": {"summary": "List", "responses": {%3$s,
                     "200": {"description": "OK"}}}},
                   "/things/{id}/touch": {"parameters": [], "post": {%1$s, "responses": {%3$s,
                     "200": {"description": "OK"},
                     "404": {"description": "No such thing (about:blank)",
                             "content": {"application/problem+json":
                                 {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}}%2$s
                 },
                 "components": {"schemas": {
                   "Problem": {"properties": {"type": {}, "title": {}, "status": {}, "detail": {}, "instance": {},
                                              "errors": {}}},
                   "ProblemError": {"properties": {"message": {}, "line": {}, "field": {}}}}}}
                """.formatted(touchSummary, morePaths, RATE_LIMITED_RESPONSE);
    }
}
