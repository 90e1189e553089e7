package dev.forgeline.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.HttpMethod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexReader;
import org.jboss.jandex.IndexView;

/**
 * Checks a service's OpenAPI document ({@code /q/openapi?format=json}) against the service itself: the operations
 * it lists are exactly those its JAX-RS resources declare (read from the compiled classes, its own and the shared
 * ones of service-support it serves, so a new endpoint is noticed), each has a summary, the problem schema matches
 * the {@code Problem} record, every operation documents the rate limiter's 429, and a documented problem response
 * is what the endpoint answers.
 */
public final class OpenApiContract {
    public static final String PROBLEM_JSON = "application/problem+json";
    /** The package of the platform layer (service-support), whose shared resources a service may serve too. */
    public static final String PLATFORM_PACKAGE = "dev.forgeline.support.";
    /** What every operation may answer when the caller is over its rate limit (RateLimitFilter). */
    public static final String RATE_LIMITED = "https://forgeline.dev/problems/rate-limited";

    static final String JANDEX_INDEX = "META-INF/jandex.idx";
    private static final DotName JAX_RS_PATH = DotName.createSimple(jakarta.ws.rs.Path.class.getName());
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
     * {@code "GET /specs/{id}"} for every resource method the running service serves: those of the classes compiled
     * into {@code classes} (the module's {@code target/classes}) whose names start with {@code packagePrefix}, and
     * those of the platform's shared resources ({@value #PLATFORM_PACKAGE}*, e.g. {@code GET /audit}) that the
     * service's build kept (a CDI bean of the running service: a build-time condition such as
     * {@code @IfBuildProperty} leaves a resource out of the service, its beans and its document alike); but for the
     * classes the service leaves out of its document on purpose ({@code mp.openapi.scan.exclude.classes},
     * comma-separated, may be empty). Called from within the running service (a {@code @QuarkusTest}).
     */
    public static Set<String> declaredOperations(
            Path classes, String packagePrefix, ClassLoader loader, String excludedClasses) {
        return declaredOperations(
                classes,
                packagePrefix,
                loader,
                excludedClasses,
                PLATFORM_PACKAGE,
                OpenApiContract::isBeanOfTheRunningService);
    }

    /**
     * As {@link #declaredOperations(Path, String, ClassLoader, String)}, with the platform's resources being the
     * classes of {@code platformPackage} in the Jandex indexes ({@value #JANDEX_INDEX}) on {@code loader}'s class
     * path for which {@code inService} holds.
     */
    static Set<String> declaredOperations(
            Path classes,
            String packagePrefix,
            ClassLoader loader,
            String excludedClasses,
            String platformPackage,
            Predicate<Class<?>> inService) {
        Set<String> excluded = Arrays.stream(excludedClasses.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        Set<String> operations = new TreeSet<>();
        for (Class<?> resource : load(moduleClassNames(classes, packagePrefix), loader, excluded)) {
            operations.addAll(operationsOf(resource));
        }
        for (Class<?> resource : load(platformResourceNames(loader, platformPackage), loader, excluded)) {
            if (inService.test(resource)) {
                operations.addAll(operationsOf(resource));
            }
        }
        return operations;
    }

    private static List<String> moduleClassNames(Path classes, String packagePrefix) {
        try (Stream<Path> files = Files.walk(classes)) {
            return files.map(classes::relativize)
                    .map(Path::toString)
                    .filter(f -> f.endsWith(".class"))
                    .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.'))
                    .filter(n -> n.startsWith(packagePrefix))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The classes of {@code platformPackage} annotated with {@code @Path}, from every Jandex index on the path. */
    private static Set<String> platformResourceNames(ClassLoader loader, String platformPackage) {
        Set<String> names = new TreeSet<>();
        try {
            for (URL url : Collections.list(loader.getResources(JANDEX_INDEX))) {
                try (InputStream in = url.openStream()) {
                    IndexView index = new IndexReader(in).read();
                    for (AnnotationInstance path : index.getAnnotations(JAX_RS_PATH)) {
                        if (path.target().kind() == AnnotationTarget.Kind.CLASS) {
                            String name = path.target().asClass().name().toString();
                            if (name.startsWith(platformPackage)) {
                                names.add(name);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a Jandex index on the class path does not read", e);
        }
        return names;
    }

    private static List<Class<?>> load(Collection<String> names, ClassLoader loader, Set<String> excluded) {
        List<Class<?>> classes = new ArrayList<>();
        for (String name : names) {
            if (excluded.contains(name)) {
                continue;
            }
            try {
                classes.add(Class.forName(name, false, loader));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("a compiled class does not load: " + e.getMessage(), e);
            }
        }
        return classes;
    }

    private static Set<String> operationsOf(Class<?> type) {
        Set<String> operations = new TreeSet<>();
        jakarta.ws.rs.Path classPath = type.getAnnotation(jakarta.ws.rs.Path.class);
        if (classPath == null) {
            return operations;
        }
        for (Method method : type.getDeclaredMethods()) {
            String verb = httpMethod(method);
            if (verb != null) {
                jakarta.ws.rs.Path methodPath = method.getAnnotation(jakarta.ws.rs.Path.class);
                operations.add(verb + " " + join(classPath.value(), methodPath == null ? "" : methodPath.value()));
            }
        }
        return operations;
    }

    /** Whether the running service has the class as a bean: JAX-RS resources are beans where they are served. */
    private static boolean isBeanOfTheRunningService(Class<?> type) {
        try {
            return CDI.current().select(type).isResolvable();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    "which of the platform's resources a service serves is asked of the running service: call"
                            + " declaredOperations from a @QuarkusTest",
                    e);
        }
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
     * serialise (same names), every 4xx/5xx response is {@code application/problem+json} of {@code Problem}, and
     * every operation documents the 429 {@value #RATE_LIMITED} problem with its {@code Retry-After} header.
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
            assertDocumentsRateLimit(operation);
        }
    }

    /**
     * The operation documents what the rate limiter answers before any resource runs: 429, a problem of type
     * {@value #RATE_LIMITED}, and the {@code Retry-After} header in whole seconds.
     */
    public void assertDocumentsRateLimit(String operation) {
        JsonNode response = assertDocumentsProblem(operation, 429, RATE_LIMITED);
        JsonNode retryAfter = response.path("headers").path("Retry-After");
        assertThat(retryAfter.isMissingNode())
                .as(operation + " 429 documents the Retry-After header")
                .isFalse();
        assertThat(retryAfter.path("schema").path("type").asText(""))
                .as("schema type of the Retry-After header of " + operation + " 429")
                .isEqualTo("integer");
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
