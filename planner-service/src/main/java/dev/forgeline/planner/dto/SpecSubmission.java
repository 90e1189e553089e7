package dev.forgeline.planner.dto;

/**
 * A spec submitted as JSON ({@code POST /specs} with {@code application/json}).
 *
 * @param repository overrides the spec's {@code Repository:} line when set
 * @param baseBranch overrides the spec's {@code Base-branch:} line when set
 */
public record SpecSubmission(String markdown, String repository, String baseBranch) {}
