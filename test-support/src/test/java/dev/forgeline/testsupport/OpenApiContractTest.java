package dev.forgeline.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Set;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import org.junit.jupiter.api.Test;

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
        OpenApiContract plainError = OpenApiContract.of(document("\"summary\": \"Touch\"", "")
                .replace("\"content\": {\"application/problem+json\"", "\"content\": {\"text/plain\""));
        assertThatThrownBy(() -> plainError.assertProblemSchemaMatches(Problem.class, ProblemError.class))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("404");
    }

    private static String document(String touchSummary, String morePaths) {
        return """
                {"openapi": "3.1.0",
                 "info": {"title": "Things", "version": "1", "description": "Things and touches"},
                 "paths": {
                   "/things": {"get": {"summary": "List", "responses": {"200": {"description": "OK"}}}},
                   "/things/{id}/touch": {"parameters": [], "post": {%s, "responses": {
                     "200": {"description": "OK"},
                     "404": {"description": "No such thing (about:blank)",
                             "content": {"application/problem+json":
                                 {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}}%s
                 },
                 "components": {"schemas": {
                   "Problem": {"properties": {"type": {}, "title": {}, "status": {}, "detail": {}, "instance": {},
                                              "errors": {}}},
                   "ProblemError": {"properties": {"message": {}, "line": {}, "field": {}}}}}}
                """.formatted(touchSummary, morePaths);
    }
}
