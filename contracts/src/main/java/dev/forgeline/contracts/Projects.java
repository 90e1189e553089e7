package dev.forgeline.contracts;

import java.util.regex.Pattern;

/**
 * Projects: every spec belongs to exactly one, and tokens see only the specs (and their tasks, reviews, merges,
 * decisions, reports) of the projects they carry. Events written before specs had a project carry none: they
 * read as {@link #DEFAULT}.
 */
public final class Projects {
    /** The project of a spec that names none, and of every event or row from before projects existed. */
    public static final String DEFAULT = "default";

    /** What a project name may be: lower-case letters, digits and dashes, 1 to 63 characters. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private Projects() {}

    /** The project as given, or {@link #DEFAULT} when none is given. */
    public static String orDefault(String project) {
        return project == null || project.isBlank() ? DEFAULT : project;
    }

    /** Whether {@code name} is a valid project name. */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
