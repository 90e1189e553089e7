package dev.forgeline.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Option;

/**
 * What every command of {@code ./forgeline} shares: the Forgeline home, the output streams, the environment, and
 * how to reach the running stack (its URLs and the token its requests carry).
 */
final class CliContext {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path home;
    final PrintStream out;
    final PrintStream err;
    private final Map<String, String> env;

    CliContext(Path home, PrintStream out, PrintStream err, Map<String, String> env) {
        this.home = home;
        this.out = out;
        this.err = err;
        this.env = env;
    }

    /** The options of every command that calls the stack's REST APIs. */
    static final class ApiOptions {
        @Option(names = "--json", description = "print the API's JSON answer instead of text")
        boolean json;

        @Option(
                names = "--token-file",
                paramLabel = "FILE",
                description = "file holding the bearer token (used when FORGELINE_TOKEN is not set)")
        Path tokenFile;
    }

    /** The local stack's directory: logs, data, {@code stack.properties}, {@code admin-token}. */
    Path stackDirectory() {
        return home.resolve(".forgeline/stack");
    }

    /** The running local stack's {@code stack.properties}, or empty when none runs. */
    Properties stackProperties() {
        Properties props = new Properties();
        Path file = LocalStack.stackFile(stackDirectory());
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file)) {
                props.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return props;
    }

    /** A service's URL: the running local stack's, else {@code FORGELINE_<SERVICE>_URL}, else its default port. */
    URI url(ServiceKind kind) {
        String name = kind.name().toLowerCase(Locale.ROOT);
        String fallback =
                env.getOrDefault("FORGELINE_" + kind.name() + "_URL", "http://localhost:" + kind.defaultPort());
        return URI.create(stackProperties().getProperty(name + ".url", fallback));
    }

    /**
     * The bearer token: {@code FORGELINE_TOKEN}, else the contents of {@code tokenFile}, else the local stack's
     * {@code admin-token} if it exists; null when none is known.
     */
    String token(Path tokenFile) {
        String fromEnv = env.get("FORGELINE_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        if (tokenFile != null) {
            return readToken(tokenFile);
        }
        Path admin = stackDirectory().resolve("admin-token");
        return Files.isRegularFile(admin) ? readToken(admin) : null;
    }

    private static String readToken(Path file) {
        try {
            String token = Files.readString(file).strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("the token file " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token file " + file + ": " + e, e);
        }
    }

    ForgelineClient client(ApiOptions api) {
        Map<ServiceKind, URI> urls = new EnumMap<>(ServiceKind.class);
        for (ServiceKind kind : ServiceKind.values()) {
            urls.put(kind, url(kind));
        }
        return new ForgelineClient(urls, token(api == null ? null : api.tokenFile));
    }

    void printJson(JsonNode node) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void printJsonLine(JsonNode node) {
        out.println(node.toString());
    }

    /** Who decides, when the command does not say: the login name. */
    String person() {
        return env.getOrDefault("USER", "cli");
    }
}
