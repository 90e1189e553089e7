package dev.forgeline.support.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The CSRF token of a browser session: derived from the session's token (a hash, so the page that shows it gives
 * the token away no more than the store does), hence bound to that session and valid as long as it is.
 */
public final class SessionCsrf {
    private SessionCsrf() {}

    public static String tokenFor(String session) {
        return TokenStore.hash("forgeline-csrf\n" + session);
    }

    /** Whether the form's value is the session's CSRF token (compared in constant time). */
    public static boolean matches(String session, String formValue) {
        if (session == null || formValue == null) {
            return false;
        }
        return MessageDigest.isEqual(
                tokenFor(session).getBytes(StandardCharsets.UTF_8), formValue.getBytes(StandardCharsets.UTF_8));
    }
}
