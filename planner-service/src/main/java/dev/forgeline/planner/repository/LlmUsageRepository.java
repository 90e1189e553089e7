package dev.forgeline.planner.repository;

import java.util.UUID;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.planner.domain.LlmUsage;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;

@ApplicationScoped
public class LlmUsageRepository implements PanacheRepositoryBase<LlmUsage, UUID> {}
