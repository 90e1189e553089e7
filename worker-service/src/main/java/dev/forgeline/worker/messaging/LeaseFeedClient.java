package dev.forgeline.worker.messaging;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.worker.config.WorkerConfig;

/** Reads this node's lease feed from the dispatcher: {@code GET /nodes/{name}/leases}. */
@ApplicationScoped
public class LeaseFeedClient {
    private final WorkerConfig config;
    private final ObjectMapper json;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public LeaseFeedClient(WorkerConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /** A page of the node's feed; ask for {@code after=next} next. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Page(String node, List<Event> events, long next, boolean more) {
        public Page {
            events = events == null ? List.of() : List.copyOf(events);
        }
    }

    /** One lease or revocation: its position in the node's feed and its envelope as JSON. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Event(long seq, String type, String envelope) {}

    /** The dispatcher answered with something else than a page. */
    public static class FeedUnavailable extends IOException {
        FeedUnavailable(String message) {
            super(message);
        }
    }

    /** A CDI event: the dispatcher answered that it does not know the node, which has to register (again). */
    public record NodeUnknown(String node) {}

    /** The dispatcher does not know this node (404): it has to register (again) before it has a feed. */
    public static final class NodeNotRegistered extends FeedUnavailable {
        NodeNotRegistered(String message) {
            super(message);
        }
    }

    /**
     * Reads the events after {@code after} (null: after what this node's worker read last, as after a start),
     * waiting up to {@code waitSeconds} for one when there is none. Asking for {@code after=n} tells the
     * dispatcher that everything up to n has been read.
     */
    public Page read(Long after, int waitSeconds) throws IOException, InterruptedException {
        StringBuilder uri = new StringBuilder(config.dispatcherUrl().replaceAll("/+$", ""))
                .append("/nodes/")
                .append(URLEncoder.encode(config.nodeName(), StandardCharsets.UTF_8)
                        .replace("+", "%20"))
                .append("/leases?wait=")
                .append(waitSeconds);
        if (after != null) {
            uri.append("&after=").append(after);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri.toString()))
                .timeout(Duration.ofSeconds(waitSeconds + 15L))
                .header("Accept", "application/json")
                .GET();
        config.token().filter(t -> !t.isBlank()).ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            throw new NodeNotRegistered(
                    "the dispatcher does not know node " + config.nodeName() + ": " + abbreviate(response.body()));
        }
        if (response.statusCode() != 200) {
            throw new FeedUnavailable("the dispatcher answered " + response.statusCode() + " to GET " + uri + ": "
                    + abbreviate(response.body()));
        }
        return json.readValue(response.body(), Page.class);
    }

    private static String abbreviate(String body) {
        return body == null ? "" : body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }
}
