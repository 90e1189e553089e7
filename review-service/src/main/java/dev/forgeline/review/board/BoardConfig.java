package dev.forgeline.review.board;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The live board ({@code /ui/board}): where the planner and the dispatcher answer, and how often to look. */
@ConfigMapping(prefix = "forgeline.review.board")
public interface BoardConfig {
    /** The planner's base URL ({@code http://planner:8081}); without it the board shows the planner unavailable. */
    Optional<URI> plannerUrl();

    /** The dispatcher's base URL ({@code http://dispatcher:8082}); without it the board shows it unavailable. */
    Optional<URI> dispatcherUrl();

    /** Sent as {@code Authorization: Bearer <token>} to the planner and the dispatcher when set. A secret. */
    Optional<String> serviceToken();

    /** How often the snapshot is gathered while someone watches the board. */
    @WithDefault("1s")
    Duration refreshInterval();

    /** Longest one call to the planner or the dispatcher may take (connecting included). */
    @WithDefault("2s")
    Duration timeout();

    /** The newest specs shown with their tasks. */
    @WithDefault("10")
    int maxSpecs();
}
