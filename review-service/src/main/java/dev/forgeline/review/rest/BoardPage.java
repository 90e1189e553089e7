package dev.forgeline.review.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.contracts.Projects;
import dev.forgeline.review.board.Board;
import dev.forgeline.review.board.BoardSnapshot;
import dev.forgeline.support.auth.Callers;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The live board for browsers: specs and their tasks, nodes, breakers, holds, the review queue and open decisions.
 * The page is rendered on the server; {@code /ui/board/events} pushes the re-rendered sections whenever the
 * snapshot changes (server-sent events), and the page swaps the sections that differ. Every viewer reads the one
 * shared snapshot, shown with the specs, tasks, reviews and decisions of the viewer's projects only; nodes, breakers
 * and holds are fleet-wide.
 */
@Path("/ui/board")
@Authenticated
@Produces(MediaType.TEXT_HTML)
public class BoardPage {
    private final Board board;
    private final SecurityIdentity caller;

    public BoardPage(Board board, SecurityIdentity caller) {
        this.board = board;
        this.caller = caller;
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance board(BoardSnapshot b);

        static native TemplateInstance board$health(BoardSnapshot b);

        static native TemplateInstance board$specs(BoardSnapshot b);

        static native TemplateInstance board$fleet(BoardSnapshot b);

        static native TemplateInstance board$reviews(BoardSnapshot b);

        static native TemplateInstance board$decisions(BoardSnapshot b);
    }

    /** Every section of the page, by element id, as the page renders it (escaped). */
    public record BoardUpdate(Map<String, String> sections) {}

    @GET
    public String page() {
        return Templates.board(board.current().visibleTo(viewer())).render();
    }

    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<BoardUpdate> events() {
        Predicate<String> sees = viewer();
        // a change in projects the viewer does not see leaves its part unchanged: nothing is pushed to it
        return board.watch()
                .map(snapshot -> snapshot.visibleTo(sees))
                .skip()
                .repetitions()
                .map(BoardPage::update);
    }

    /** The projects the signed-in viewer sees, read now: the event stream outlives the request. */
    private Predicate<String> viewer() {
        Optional<Set<String>> visible = Callers.visibleProjects(caller);
        return project ->
                visible.map(v -> v.contains(Projects.orDefault(project))).orElse(true);
    }

    static BoardUpdate update(BoardSnapshot snapshot) {
        Map<String, String> sections = new LinkedHashMap<>();
        sections.put("health", Templates.board$health(snapshot).render());
        sections.put("specs", Templates.board$specs(snapshot).render());
        sections.put("fleet", Templates.board$fleet(snapshot).render());
        sections.put("reviews", Templates.board$reviews(snapshot).render());
        sections.put("decisions", Templates.board$decisions(snapshot).render());
        return new BoardUpdate(sections);
    }
}
