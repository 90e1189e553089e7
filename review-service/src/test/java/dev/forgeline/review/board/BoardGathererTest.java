package dev.forgeline.review.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.forgeline.contracts.payload.ReviewBacklog;
import dev.forgeline.review.board.BoardSnapshot.ReviewRow;
import dev.forgeline.review.board.BoardSnapshot.SpecRow;
import dev.forgeline.review.board.BoardSnapshot.TaskRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The board's gathering against real HTTP servers (JDK HttpServer) serving JSON recorded in the shapes the planner
 * and the dispatcher answer; and against services that are not there, answer errors or hang.
 */
class BoardGathererTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofMillis(700);
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();
    private final CountDownLatch released = new CountDownLatch(1);

    @AfterEach
    void stop() {
        released.countDown();
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void gathersSpecsTasksWaitingReasonsNodesBreakersHoldsReviewsAndDecisions() throws IOException {
        URI planner = serve(
                "planner",
                Map.of(
                        "/specs", "planner-specs.json",
                        "/specs/spec-new", "planner-spec-new.json",
                        "/specs/spec-old", "planner-spec-old.json",
                        "/decisions", "planner-decisions.json"));
        URI dispatcher = serve(
                "dispatcher",
                Map.of(
                        "/tasks?limit=1000&specId=spec-new", "dispatcher-tasks-spec-new.json",
                        "/tasks?limit=1000&specId=spec-old", "empty-list",
                        "/nodes", "dispatcher-nodes.json",
                        "/breakers", "dispatcher-breakers.json",
                        "/dispatch", "dispatcher-dispatch.json"));
        BoardGatherer gatherer = new BoardGatherer(
                Optional.of(planner), Optional.of(dispatcher), Optional.of("s3cret-token"), TIMEOUT, 10, JSON);

        BoardSnapshot board = gatherer.gather(new Own());

        assertThat(board.services()).allMatch(BoardSnapshot.ServiceState::available);
        assertThat(board.specs()).extracting(SpecRow::id).containsExactly("spec-new", "spec-old");
        SpecRow spec = board.specs().get(0);
        assertThat(spec.name()).isEqualTo("Board <b>demo</b>");
        assertThat(spec.merged()).isEqualTo(1);
        assertThat(spec.total()).isEqualTo(3);
        assertThat(spec.state()).isEqualTo("IN_PROGRESS");
        assertThat(board.specs().get(1).state()).isEqualTo("MERGED");
        assertThat(spec.tasks())
                .containsExactly(
                        new TaskRow(
                                "T1",
                                "Greeting <img src=x onerror=alert(1)>",
                                "MERGED",
                                2,
                                "laptop-1",
                                new BigDecimal("0.15"),
                                null),
                        new TaskRow(
                                "T2",
                                "Plan 9 banner",
                                "READY",
                                0,
                                null,
                                null,
                                "NO_MATCHING_NODE: no READY node offers os=plan9"),
                        new TaskRow("T3", "Conversation", "PLANNED", 0, null, null, "WAITING_FOR_DEPENDENCY on T2"));
        assertThat(board.nodes()).extracting(BoardSnapshot.NodeRow::name).containsExactly("laptop-1", "old-box");
        assertThat(board.nodes().get(0).activeLeases()).isEqualTo(1);
        assertThat(board.nodes().get(0).capacity()).isEqualTo(2);
        assertThat(board.nodes().get(1).statusReason()).isEqualTo("no heartbeat for 60 s");
        assertThat(board.breakers())
                .extracting(b -> b.scope() + "/" + b.key() + "=" + b.state())
                .containsExactly("GLOBAL/fleet=CLOSED", "PROFILE/large=OPEN");
        assertThat(board.breakers().get(1).halfOpensAt()).isEqualTo(Instant.parse("2026-12-03T10:10:00Z"));
        assertThat(board.holds().dispatchPaused()).isTrue();
        assertThat(board.holds().dispatchReasons()).hasSize(2).anyMatch(r -> r.contains("release freeze"));
        assertThat(board.holds().reviewHoldBack()).isTrue();
        assertThat(board.holds().pendingHighRisk()).isEqualTo(25);
        assertThat(board.reviews()).extracting(ReviewRow::taskId).containsExactly("T9");
        assertThat(board.decisions()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo("SPEC_QUALITY");
            assertThat(d.taskId()).isEqualTo("T4");
            assertThat(d.requestedAt()).isEqualTo(Instant.parse("2026-12-03T10:01:00Z"));
        });
        // every call carried the service token
        assertThat(authorizations).containsEntry("planner", "Bearer s3cret-token");
        assertThat(authorizations).containsEntry("dispatcher", "Bearer s3cret-token");

        // nothing changed: the next snapshot is equal, so nothing would be pushed
        assertThat(gatherer.gather(new Own())).isEqualTo(board);
    }

    @Test
    void unreachableAndFailingServicesShowAsUnavailableWithTheReason() throws IOException {
        URI failingPlanner = serveStatus(500);
        URI closedPort = closedPort();
        BoardGatherer gatherer = new BoardGatherer(
                Optional.of(failingPlanner), Optional.of(closedPort), Optional.empty(), TIMEOUT, 10, JSON);

        BoardSnapshot board = gatherer.gather(new Own());

        assertThat(board.available(BoardGatherer.PLANNER)).isFalse();
        assertThat(board.available(BoardGatherer.DISPATCHER)).isFalse();
        assertThat(board.services().get(0).problem()).isEqualTo("GET /specs answered 500");
        assertThat(board.services().get(1).problem()).startsWith("cannot reach " + closedPort);
        assertThat(board.specs()).isEmpty();
        assertThat(board.nodes()).isEmpty();
        assertThat(board.holds().dispatchPaused()).isNull();
        // the review service's own part is still there
        assertThat(board.reviews()).extracting(ReviewRow::taskId).containsExactly("T9");
        assertThat(board.holds().reviewHoldBack()).isTrue();
        assertThat(authorizations).isEmpty();
    }

    @Test
    void aHangingServiceCostsOneTimeoutAndANotConfiguredOneIsNamed() throws IOException {
        URI hanging = serveHanging();
        BoardGatherer gatherer =
                new BoardGatherer(Optional.empty(), Optional.of(hanging), Optional.empty(), TIMEOUT, 10, JSON);

        long started = System.nanoTime();
        BoardSnapshot board = gatherer.gather(new Own());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(board.services().get(0).problem()).isEqualTo("not configured (forgeline.review.board.planner-url)");
        assertThat(board.services().get(1).problem()).isEqualTo("GET /nodes took longer than 700 ms");
        // after the first timeout the dispatcher is asked nothing more in this gathering
        assertThat(took).isLessThan(TIMEOUT.multipliedBy(2));
    }

    /**
     * One snapshot of every project, shown to each viewer with its projects' specs, reviews and decisions (and the
     * count of its older specs left out), and the fleet whole.
     */
    @Test
    void eachViewerIsShownItsProjectsPartAndTheFleetWhole() throws IOException {
        URI planner = serve(
                "planner",
                Map.of(
                        "/specs", "planner-specs-projects.json",
                        "/specs/spec-new", "planner-spec-new.json",
                        "/specs/spec-old", "planner-spec-old.json",
                        "/decisions", "planner-decisions.json"));
        URI dispatcher = serve(
                "dispatcher",
                Map.of(
                        "/tasks?limit=1000&specId=spec-new", "dispatcher-tasks-spec-new.json",
                        "/tasks?limit=1000&specId=spec-old", "empty-list",
                        "/nodes", "dispatcher-nodes.json",
                        "/breakers", "dispatcher-breakers.json",
                        "/dispatch", "dispatcher-dispatch.json"));
        // one spec per viewer: the newest of each project is gathered
        BoardSnapshot all = new BoardGatherer(
                        Optional.of(planner), Optional.of(dispatcher), Optional.empty(), TIMEOUT, 1, JSON)
                .gather(new Own());
        assertThat(all.specs())
                .extracting(SpecRow::id, SpecRow::project)
                .containsExactly(tuple("spec-new", "shop"), tuple("spec-old", "ops"));
        assertThat(all.decisions())
                .extracting(BoardSnapshot.DecisionRow::project)
                .containsExactly("shop");

        // a viewer of every project is shown the newest spec of all, the other counted as not shown
        BoardSnapshot everyone = all.visibleTo(project -> true);
        assertThat(everyone.specs()).extracting(SpecRow::id).containsExactly("spec-new");
        assertThat(everyone.specsNotShown()).isEqualTo(1);
        assertThat(everyone.notShownByProject()).isEqualTo(Map.of("ops", 1));

        BoardSnapshot shop = all.visibleTo("shop"::equals);
        assertThat(shop.specs()).extracting(SpecRow::id).containsExactly("spec-new");
        assertThat(shop.specsNotShown()).isZero();
        assertThat(shop.decisions()).hasSize(1);
        assertThat(shop.reviews()).isEmpty(); // the queue's review is of the default project

        // the quiet project's viewer sees its own newest spec, however much newer the busy project's are
        BoardSnapshot ops = all.visibleTo("ops"::equals);
        assertThat(ops.specs()).extracting(SpecRow::id).containsExactly("spec-old");
        assertThat(ops.specsNotShown()).isZero();
        assertThat(ops.decisions()).isEmpty();
        assertThat(ops.reviews()).isEmpty();
        for (BoardSnapshot viewer : List.of(shop, ops)) {
            assertThat(viewer.nodes()).isEqualTo(all.nodes()).isNotEmpty();
            assertThat(viewer.breakers()).isEqualTo(all.breakers());
            assertThat(viewer.holds()).isEqualTo(all.holds());
            assertThat(viewer.services()).isEqualTo(all.services());
        }
        assertThat(all.visibleTo("default"::equals).reviews())
                .extracting(ReviewRow::taskId)
                .containsExactly("T9");
    }

    /** The review service's own data, as its database would give it. */
    private static final class Own implements BoardGatherer.OwnData {
        @Override
        public List<ReviewRow> reviewQueue() {
            return List.of(new ReviewRow(
                    "spec-new", "T9", 1, 2, List.of("security surface"), Instant.parse("2026-12-03T10:02:00Z"), null));
        }

        @Override
        public ReviewBacklog backlog() {
            return new ReviewBacklog(25, 26, 20, true, "over capacity", Instant.parse("2026-12-03T10:02:00Z"));
        }

        @Override
        public Map<String, BigDecimal> costPerTask(Collection<String> specIds) {
            return specIds.contains("spec-new") ? Map.of("spec-new/T1", new BigDecimal("0.15")) : Map.of();
        }
    }

    /** Serves the recorded files by path and query; anything else is a 404. */
    private URI serve(String name, Map<String, String> files) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                authorizations.put(name, authorization);
            }
            URI uri = exchange.getRequestURI();
            String key = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            String file = files.get(key);
            byte[] body;
            int status = 200;
            if (file == null) {
                status = 404;
                body = "{}".getBytes(StandardCharsets.UTF_8);
            } else if (file.equals("empty-list")) {
                body = "[]".getBytes(StandardCharsets.UTF_8);
            } else {
                try (InputStream in = getClass().getResourceAsStream("/board/" + file)) {
                    body = in.readAllBytes();
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        return start(server);
    }

    private URI serveStatus(int status) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        return start(server);
    }

    /** Accepts every request and answers none until the test ends. */
    private URI serveHanging() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try {
                released.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        return start(server);
    }

    private URI start(HttpServer server) {
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** A port nothing listens on: bound, then released. */
    private static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
