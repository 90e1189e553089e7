package dev.forgeline.review.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.forgeline.review.board.Board;
import dev.forgeline.review.board.BoardSnapshot;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The live board for browsers: specs and their tasks, nodes, breakers, holds, the review queue and open decisions.
 * The page is rendered on the server; {@code /ui/board/events} pushes the re-rendered sections whenever the
 * snapshot changes (server-sent events), and the page swaps the sections that differ.
 */
@Path("/ui/board")
@Authenticated
@Produces(MediaType.TEXT_HTML)
public class BoardPage {
    private final Board board;

    public BoardPage(Board board) {
        this.board = board;
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
        return Templates.board(board.current()).render();
    }

    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<BoardUpdate> events() {
        return board.watch().map(BoardPage::update);
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
