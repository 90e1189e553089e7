package dev.forgeline.metrics.rest;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;

import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;

/** Reads the {@code week} query parameter: any day of the week wanted. */
final class Weeks {
    /**
     * The days a week may be asked for. Wider dates parse (up to year 999999999) but their week's end overflows
     * the calendar; no fact is older than the epoch or newer than year 9999.
     */
    static final LocalDate FIRST = LocalDate.of(1970, 1, 1);

    static final LocalDate LAST = LocalDate.of(9999, 12, 31);

    private Weeks() {}

    static LocalDate parse(String week) {
        LocalDate day;
        try {
            day = LocalDate.parse(week.strip());
        } catch (DateTimeParseException e) {
            throw invalid(week, e.getMessage());
        }
        if (day.isBefore(FIRST) || day.isAfter(LAST)) {
            throw invalid(week, "the date is outside " + FIRST + " .. " + LAST);
        }
        return day;
    }

    private static ProblemException invalid(String week, String fault) {
        return ProblemException.badRequest(
                "https://forgeline.dev/problems/invalid-week",
                "Invalid week",
                "week must be a date YYYY-MM-DD (any day of the week) from " + FIRST + " to " + LAST + ", got '" + week
                        + "'",
                List.of(new Problem.ProblemError(fault, null, "week")));
    }
}
