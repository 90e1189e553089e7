package dev.forgeline.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jakarta.ws.rs.HttpMethod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Checks a service's OpenAPI document ({@code /q/openapi?format=json}) against the service itself: the operations
 * it lists are exactly those its JAX-RS resources declare (read from the compiled classes, so a new endpoint is
 * noticed), each has a summary, the problem schema matches the {@code Problem} record, and a documented problem
 * response is what the endpoint answers.
 */
public final class OpenApiContract {
    public static final String PROBLEM_JSON = "application/problem+json";
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private final JsonNode document;

    private OpenApiContract(JsonNode document) {
        this.document = document;
    }

    public static OpenApiContract of(String json) {
        try {
            return new OpenApiContract(new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document is not JSON", e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /** {@code "GET /specs/{id}"} for every operation of the document. */
    public Set<String> documentedOperations() {
        Set<String> operations = new TreeSet<>();
        JsonNode paths = document.path("paths");
        for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
            String path = it.next();
            for (Iterator<String> methods = paths.get(path).fieldNames(); methods.hasNext(); ) {
                String method = methods.next();
                if (HTTP_METHODS.contains(method)) {
                    operations.add(method.toUpperCase(Locale.ROOT) + " " + path);
                }
            }
        }
        return operations;
    }

    /**
     * {@code "GET /specs/{id}"} for every resource method of the classes compiled into {@code classes} (the
     * module's {@code target/classes}) whose names start with {@code packagePrefix}, but for the classes the service
     * leaves out of its document on purpose ({@code mp.openapi.scan.exclude.classes}, comma-separated, may be empty).
     */
    public static Set<String> declaredOperations(
            Path classes, String packagePrefix, ClassLoader loader, String excludedClasses) {
        Set<String> excluded = Arrays.stream(excludedClasses.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        Set<String> operations = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            List<String> names = files.map(classes::relativize)
                    .map(Path::toString)
                    .filter(f -> f.endsWith(".class"))
                    .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
                    .filter(n -> n.startsWith(packagePrefix) && !excluded.contains(n))
                    .toList();
            for (String name : names) {
                Class<?> type = Class.forName(name, false, loader);
                jakarta.ws.rs.Path classPath = type.getAnnotation(jakarta.ws.rs.Path.class);
                if (classPath == null) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    String verb = httpMethod(method);
                    if (verb != null) {
                        jakarta.ws.rs.Path methodPath = method.getAnnotation(jakarta.ws.rs.Path.class);
                        operations.add(
                                verb + " " + join(classPath.value(), methodPath == null ? "" : methodPath.value()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a compiled class does not load: " + e.getMessage(), e);
        }
        return operations;
    }

    private static String httpMethod(Method method) {
        return Arrays.stream(method.getAnnotations())
                .map(a -> a.annotationType().getAnnotation(HttpMethod.class))
                .filter(h -> h != null)
                .map(HttpMethod::value)
                .findFirst()
                .orElse(null);
    }

    /** The path as OpenAPI writes it: one leading slash, no trailing one, templates without their regex. */
    static String join(String classPath, String methodPath) {
        String joined = ("/" + classPath + "/" + methodPath).replaceAll("/+", "/");
        joined = joined.replaceAll("\\{\\s*([^}:\\s]+)\\s*:[^}]*}", "{$1}");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    /**
     * The document lists exactly the operations the service's resources declare (nothing internal, nothing
     * missing), each with a summary, and names its service.
     */
    public void assertListsExactly(Set<String> declared) {
        assertThat(declared)
                .as("resource methods found in the compiled classes")
                .isNotEmpty();
        assertThat(documentedOperations())
                .as("operations of the OpenAPI document vs. the JAX-RS resource methods")
                .containsExactlyInAnyOrderElementsOf(declared);
        for (String operation : declared) {
            assertThat(operation(operation).path("summary").asText(""))
                    .as("summary (@Operation) of " + operation)
                    .isNotBlank();
        }
        assertThat(document.path("info").path("title").asText("")).isNotBlank();
        assertThat(document.path("info").path("version").asText("")).isNotBlank();
        assertThat(document.path("info").path("description").asText("")).isNotBlank();
    }

    /**
     * The {@code Problem} and {@code ProblemError} schemas have the properties of the records the services
     * serialise (same names), and every 4xx/5xx response is {@code application/problem+json} of {@code Problem}.
     */
    public void assertProblemSchemaMatches(Class<? extends Record> problem, Class<? extends Record> problemError) {
        assertThat(propertyNames("Problem")).containsExactlyInAnyOrderElementsOf(componentNames(problem));
        assertThat(propertyNames("ProblemError")).containsExactlyInAnyOrderElementsOf(componentNames(problemError));
        for (String operation : documentedOperations()) {
            JsonNode responses = operation(operation).path("responses");
            for (Iterator<String> codes = responses.fieldNames(); codes.hasNext(); ) {
                String code = codes.next();
                if (code.startsWith("4") || code.startsWith("5")) {
                    assertThat(problemSchemaRef(responses.get(code)))
                            .as(operation + " " + code + " is a problem")
                            .isEqualTo("#/components/schemas/Problem");
                }
            }
        }
    }

    /**
     * The documented {@code status} response of an operation is a problem whose description names
     * {@code problemType}; answers the documented response.
     */
    public JsonNode assertDocumentsProblem(String operation, int status, String problemType) {
        JsonNode response = operation(operation).path("responses").path(String.valueOf(status));
        assertThat(response.isMissingNode())
                .as(operation + " documents a " + status + " response")
                .isFalse();
        assertThat(problemSchemaRef(response)).as(operation + " " + status).isEqualTo("#/components/schemas/Problem");
        assertThat(response.path("description").asText(""))
                .as("description of " + operation + " " + status)
                .contains(problemType);
        return response;
    }

    private JsonNode operation(String operation) {
        int space = operation.indexOf(' ');
        String method = operation.substring(0, space).toLowerCase(Locale.ROOT);
        String path = operation.substring(space + 1);
        JsonNode node = document.path("paths").path(path).path(method);
        assertThat(node.isMissingNode()).as(operation + " in the document").isFalse();
        return node;
    }

    private static String problemSchemaRef(JsonNode response) {
        return response.path("content")
                .path(PROBLEM_JSON)
                .path("schema")
                .path("$ref")
                .asText(null);
    }

    private Set<String> propertyNames(String schema) {
        JsonNode properties =
                document.path("components").path("schemas").path(schema).path("properties");
        Set<String> names = new TreeSet<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> componentNames(Class<? extends Record> record) {
        return Arrays.stream(record.getRecordComponents())
                .map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
