package dev.forgeline.planner.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SpecIdsTest {

    @Test
    void slugLowercasesAndDashesNonAlphanumerics() {
        assertThat(SpecIds.slug("Text kit: utilities!")).isEqualTo("text-kit-utilities");
        assertThat(SpecIds.slug("  Ünïcode & co ")).isEqualTo("n-code-co");
        assertThat(SpecIds.slug("***")).isEqualTo("spec");
    }

    @Test
    void slugIsAtMostFortyCharacters() {
        String slug = SpecIds.slug("a very long specification name that keeps going and going");
        assertThat(slug).hasSizeLessThanOrEqualTo(40).doesNotEndWith("-").startsWith("a-very-long-specification");
    }

    @Test
    void idIsSlugDashEightHex() {
        assertThat(SpecIds.newId("Text kit")).matches("text-kit-[0-9a-f]{8}");
        assertThat(SpecIds.newId("Text kit")).isNotEqualTo(SpecIds.newId("Text kit"));
    }
}
