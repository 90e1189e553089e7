package dev.forgeline.support.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A Forgeline API token presented by a request (Bearer header or the review page's session cookie). */
public final class ApiTokenRequest extends BaseAuthenticationRequest {
    private final String secret;

    public ApiTokenRequest(String secret) {
        this.secret = secret;
    }

    String secret() {
        return secret;
    }

    /** Never the token itself: requests end up in logs and debuggers. */
    @Override
    public String toString() {
        return "ApiTokenRequest[token hidden]";
    }
}
