package dev.forgeline.metrics.rest;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;

import dev.forgeline.support.problem.Problem;
import dev.forgeline.support.problem.ProblemException;

/** Reads the {@code week} query parameter: any day of the week wanted. */
final class Weeks {
    private Weeks() {}

    static LocalDate parse(String week) {
        try {
            return LocalDate.parse(week.strip());
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(
                    "https://forgeline.dev/problems/invalid-week",
                    "Invalid week",
                    "week must be a date YYYY-MM-DD (any day of the week), got '" + week + "'",
                    List.of(new Problem.ProblemError(e.getMessage(), null, "week")));
        }
    }
}
