package dev.forgeline.testsupport.platformfixture;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Resources of a stand-in platform layer, for the contract's search of a service's class path. */
public final class SharedResources {
    private SharedResources() {}

    @Path("/shared")
    public static class Served {
        @GET
        public String list() {
            return "";
        }
    }

    /** One the service's build leaves out (a build-time condition), so the running service has no bean of it. */
    @Path("/conditional")
    public static class LeftOut {
        @DELETE
        @Path("{id}")
        public void delete() {}
    }

    /** Not a resource: no {@code @Path}. */
    public static class Helper {
        @GET
        public String notServed() {
            return "";
        }
    }
}
