package dev.forgeline.planner.spec;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Estimates as authors write them: {@code 90s}, {@code 10m}, {@code 1h}, {@code 1h30m}, {@code 1h 30m 15s}. */
public final class Estimates {
    private static final Pattern DURATION = Pattern.compile("(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,7})s)?");

    private Estimates() {}

    /** The estimate in seconds, or empty when the text is not such a positive duration. */
    public static OptionalLong parseSeconds(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        String compact = text.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(compact);
        if (compact.isEmpty() || !m.matches()) {
            return OptionalLong.empty();
        }
        long seconds = part(m.group(1)) * 3600 + part(m.group(2)) * 60 + part(m.group(3));
        return seconds > 0 ? OptionalLong.of(seconds) : OptionalLong.empty();
    }

    private static long part(String digits) {
        return digits == null ? 0 : Long.parseLong(digits);
    }
}
