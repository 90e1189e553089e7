package dev.forgeline.planner.spec;

/**
 * One fault in a submitted spec.
 *
 * @param line  1-based line of the spec the fault is on, or null when it concerns the spec as a whole
 * @param field the spec field concerned (for example {@code Depends-on}), or null
 */
public record SpecError(String message, Integer line, String field) {}
