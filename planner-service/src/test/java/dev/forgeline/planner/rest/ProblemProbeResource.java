package dev.forgeline.planner.rest;

import java.time.LocalDate;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Test-only endpoints with the parameter and body types the planner's own API lacks (enums, numbers, dates)
 * and one that fails unexpectedly: they let the tests drive each framework refusal through real HTTP.
 */
@Path("/test-probes/problems")
@Produces(MediaType.APPLICATION_JSON)
public class ProblemProbeResource {
    static final String SECRET = "/var/lib/forgeline/secret-path SELECT password FROM accounts";

    public enum Colour {
        RED,
        GREEN
    }

    public record Probe(String name, Colour colour, int count) {}

    @POST
    @Path("/body")
    @Consumes(MediaType.APPLICATION_JSON)
    public Probe body(Probe probe) {
        return probe;
    }

    @GET
    @Path("/typed/{n}")
    public String typed(@PathParam("n") long n, @QueryParam("count") Integer count, @QueryParam("day") LocalDate day) {
        return n + " " + count + " " + day;
    }

    @GET
    @Path("/flag")
    public String flag(@QueryParam("on") boolean on) {
        return String.valueOf(on);
    }

    @GET
    @Path("/fail")
    public String fail() {
        throw new IllegalStateException("cannot open " + SECRET);
    }
}
