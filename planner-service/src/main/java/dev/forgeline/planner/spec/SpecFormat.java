package dev.forgeline.planner.spec;

import java.util.Locale;
import java.util.Optional;

/** The spec formats {@code POST /specs} reads; the wire name is what {@code ?format=} takes. */
public enum SpecFormat {
    /** Forgeline's Markdown: {@code ## Task:} sections with fields */
    FORGELINE,
    /** GitHub spec-kit {@code tasks.md}: phases and {@code - [ ] T001 [P] [US1] ...} items */
    SPECKIT,
    /** Kiro {@code tasks.md}: a numbered checkbox hierarchy, sequential by default */
    KIRO,
    /** anything else: needs the LLM planner */
    FREEFORM;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<SpecFormat> fromWireName(String name) {
        for (SpecFormat format : values()) {
            if (format.wireName().equalsIgnoreCase(name == null ? "" : name.strip())) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }
}
