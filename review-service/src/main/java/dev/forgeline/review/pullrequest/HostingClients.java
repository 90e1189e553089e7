package dev.forgeline.review.pullrequest;

import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeline.review.config.ReviewConfig;
import dev.forgeline.review.config.ReviewConfig.Hosting;
import dev.forgeline.review.config.ReviewConfig.RepositorySettings;
import dev.forgeline.review.git.ReviewClones;
import dev.forgeline.support.git.GitConfig;
import dev.forgeline.support.git.GitCredentials;
import dev.forgeline.support.git.RepositoryUrl;

/**
 * The hosting API client of a repository in merge mode pull-request, from its settings. The API token is the git
 * token of the repository's host ({@code forgeline.git.hosts."<host>".token-file}): one credential per host, read
 * from its file at each call, never stored.
 */
@ApplicationScoped
public class HostingClients {
    private final ReviewClones clones;
    private final ReviewConfig config;
    private final GitCredentials credentials;
    private final ObjectMapper json;
    private final Map<String, HostingHttp> apis = new ConcurrentHashMap<>();

    public HostingClients(ReviewClones clones, ReviewConfig config, GitConfig git, ObjectMapper json) {
        this.clones = clones;
        this.config = config;
        this.credentials = GitCredentials.from(git);
        this.json = json;
    }

    /** The client of {@code url}'s hosting service; a clear message when its settings do not name one. */
    public HostingClient forRepository(RepositoryUrl url) {
        Optional<RepositorySettings> settings = clones.settings(url);
        String host = url.host() == null ? "" : url.host().toLowerCase(Locale.ROOT);
        Hosting hosting = settings.flatMap(RepositorySettings::hosting).orElseGet(() -> switch (host) {
            case "github.com" -> Hosting.GITHUB;
            case "gitlab.com" -> Hosting.GITLAB;
            default ->
                throw new HostingException(
                        0,
                        "merge mode pull-request of " + url.display() + " needs forgeline.review.repositories.\""
                                + url.display() + "\".hosting (github or gitlab) and .api-url",
                        null);
        });
        String apiUrl = settings.flatMap(RepositorySettings::apiUrl).orElseGet(() -> switch (host) {
            case "github.com" -> "https://api.github.com";
            case "gitlab.com" -> "https://gitlab.com/api/v4";
            default ->
                throw new HostingException(
                        0,
                        "merge mode pull-request of " + url.display() + " needs forgeline.review.repositories.\""
                                + url.display() + "\".api-url",
                        null);
        });
        String project = settings.flatMap(RepositorySettings::project).orElseGet(() -> projectOf(url));
        HostingHttp http = apis.computeIfAbsent(
                hosting + " " + apiUrl,
                key -> new HostingHttp(
                        apiUrl,
                        HostingHttp.tokenFile(credentials.forHost(url.host()).flatMap(GitCredentials.Host::tokenFile)),
                        hosting == Hosting.GITLAB ? "PRIVATE-TOKEN" : "Authorization",
                        json,
                        config.pullRequests().timeout(),
                        Clock.systemUTC()));
        return switch (hosting) {
            case GITHUB -> new GitHubClient(http, project);
            case GITLAB -> new GitLabClient(http, project);
        };
    }

    /** {@code /org/repo.git} -> {@code org/repo}. */
    static String projectOf(RepositoryUrl url) {
        String path = url.path();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (path.endsWith(".git")) {
            path = path.substring(0, path.length() - 4);
        }
        if (path.startsWith("~")) {
            path = path.substring(1);
        }
        return path;
    }
}
