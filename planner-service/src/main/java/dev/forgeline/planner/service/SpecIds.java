package dev.forgeline.planner.service;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/** Spec ids: the slug of the spec's name and 8 random hex characters ({@code text-kit-utilities-3f9a1c2b}). */
public final class SpecIds {
    private static final int MAX_SLUG = 40;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SpecIds() {}

    public static String newId(String name) {
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        return slug(name) + "-" + HexFormat.of().formatHex(suffix);
    }

    /** Lowercase, runs of anything but a-z and 0-9 become one dash, at most 40 characters; "spec" if empty. */
    public static String slug(String name) {
        String slug = (name == null ? "" : name)
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (slug.length() > MAX_SLUG) {
            slug = slug.substring(0, MAX_SLUG).replaceAll("-+$", "");
        }
        return slug.isEmpty() ? "spec" : slug;
    }
}
