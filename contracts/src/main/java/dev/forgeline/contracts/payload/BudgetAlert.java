package dev.forgeline.contracts.payload;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * metrics -> dispatcher, operators: spending crossed a threshold of a budget. At 100% of a spec budget the
 * dispatcher stops leasing that spec's tasks; at 100% of the daily budget it stops leasing any. Key: scope/specId.
 *
 * @param scope            SPEC or DAY
 * @param specId           the spec for scope SPEC, else null
 * @param day              the day (UTC) for scope DAY, else null
 * @param thresholdPercent 80 or 100
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BudgetAlert(
        String scope,
        String specId,
        LocalDate day,
        int thresholdPercent,
        BigDecimal spentUsd,
        BigDecimal budgetUsd,
        Instant at) {}
