package dev.forgeline.planner.spec;

import java.time.Duration;
import java.util.regex.Pattern;

/** Recognises a spec's format and reads it with the matching parser. */
public final class SpecFormats {
    private static final Pattern FORGELINE_TASK = Pattern.compile("(?m)^\\s*##\\s+Task\\s*:");
    private static final Pattern SPECKIT_ITEM = Pattern.compile("(?m)^\\s*[-*]\\s+\\[[ xX~-]\\]\\s+T\\d+[A-Za-z]?\\b");
    private static final Pattern KIRO_ITEM =
            Pattern.compile("(?m)^\\s*[-*]\\s+\\[[ xX~-]\\]\\*?\\s+\\d+(?:\\.\\d+)*\\.?\\s");

    private final SpecParser forgeline;
    private final ChecklistParser checklists;

    public SpecFormats(Duration defaultEstimate) {
        this.forgeline = new SpecParser(defaultEstimate);
        this.checklists = new ChecklistParser(defaultEstimate.toSeconds());
    }

    /** Forgeline when the text has a {@code ## Task:} heading, else spec-kit or Kiro items, else free form. */
    public static SpecFormat detect(String markdown) {
        String text = markdown == null ? "" : markdown;
        if (FORGELINE_TASK.matcher(text).find()) {
            return SpecFormat.FORGELINE;
        }
        if (SPECKIT_ITEM.matcher(text).find()) {
            return SpecFormat.SPECKIT;
        }
        if (KIRO_ITEM.matcher(text).find()) {
            return SpecFormat.KIRO;
        }
        return text.isBlank() ? SpecFormat.FORGELINE : SpecFormat.FREEFORM;
    }

    /** @throws IllegalArgumentException for {@link SpecFormat#FREEFORM}, which needs the LLM planner */
    public ParsedSpec parse(String markdown, SpecFormat format) {
        String text = markdown == null ? "" : markdown;
        return switch (format) {
            case FORGELINE -> forgeline.parse(text);
            case SPECKIT -> checklists.parseSpeckit(text);
            case KIRO -> checklists.parseKiro(text);
            case FREEFORM -> throw new IllegalArgumentException("free-form specs are planned by the LLM planner");
        };
    }
}
