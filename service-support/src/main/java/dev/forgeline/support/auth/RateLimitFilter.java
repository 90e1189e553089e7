package dev.forgeline.support.auth;

import java.time.Clock;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemMappers;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a request over its caller's rate limit ({@code forgeline.auth.rate-limit.*}) with 429 problem+json and
 * {@code Retry-After}, before the resource runs, so the refused request has no effect. It runs after the caller is
 * known (it asks for the identity, which authenticates the token) and covers every REST resource, the review
 * pages' form posts included; health, metrics scrape and OpenAPI are not REST resources and are not limited.
 */
public class RateLimitFilter {
    private final AuthConfig.RateLimit config;
    private final CurrentIdentityAssociation identities;
    private final TokenBuckets buckets;

    public RateLimitFilter(AuthConfig config, CurrentIdentityAssociation identities) {
        this.config = config.rateLimit();
        this.identities = identities;
        this.buckets = new TokenBuckets(
                this.config.requestsPerSecond(), this.config.burst(), this.config.maxCallers(), Clock.systemUTC());
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 10)
    public Uni<Response> limit(ContainerRequestContext request, HttpServerRequest http) {
        if (!config.enabled()) {
            return Uni.createFrom().nullItem();
        }
        String address = address(http);
        return identities
                .getDeferredIdentity()
                // a token that fails here fails again where the resource checks it (401): count it by address
                .onFailure()
                .recoverWithNull()
                .map(identity -> {
                    Caller caller = caller(identity, address);
                    TokenBuckets.Take take = buckets.take(caller.key());
                    return take.allowed() ? null : refuse(request, caller, take);
                });
    }

    /** Who a bucket belongs to, and how the refusal names them. */
    record Caller(String key, String named) {}

    static Caller caller(SecurityIdentity identity, String address) {
        ApiToken token = identity == null ? null : identity.getAttribute(ApiTokenIdentityProvider.TOKEN_ATTRIBUTE);
        if (token == null) {
            return new Caller("address " + address, "client " + address);
        }
        if (token.roles().contains(Roles.WORKER) && !token.roles().contains(Roles.ADMIN)) {
            // a fleet token is shared by many pods: each pod (address) has its own budget
            return new Caller(
                    "token " + token.id() + " at " + address, "the token of '" + token.name() + "' from " + address);
        }
        return new Caller("token " + token.id(), "the token of '" + token.name() + "'");
    }

    private static String address(HttpServerRequest http) {
        SocketAddress remote = http == null ? null : http.remoteAddress();
        if (remote == null) {
            return "unknown";
        }
        return remote.hostAddress() != null ? remote.hostAddress() : remote.toString();
    }

    private Response refuse(ContainerRequestContext request, Caller caller, TokenBuckets.Take take) {
        long seconds = take.retryAfterSeconds();
        String detail = caller.named() + " is over its rate limit of " + format(config.requestsPerSecond())
                + " requests/s (burst " + config.burst() + "): this request was not carried out; retry in " + seconds
                + " s";
        return Response.status(429)
                .type(ProblemMappers.PROBLEM_JSON)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .entity(new Problem(
                        ProblemMappers.RATE_LIMITED,
                        "Too many requests",
                        429,
                        detail,
                        request.getUriInfo().getPath(),
                        null))
                .build();
    }

    private static String format(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }
}
