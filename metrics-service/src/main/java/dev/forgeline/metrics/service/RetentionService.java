package dev.forgeline.metrics.service;

import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.metrics.config.MetricsConfig;
import dev.forgeline.metrics.domain.FactRows.RetentionRow;
import dev.forgeline.metrics.git.RetentionScanner;
import dev.forgeline.metrics.git.RetentionScanner.SpecWeek;
import dev.forgeline.metrics.repository.FactRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * Blames the configured branch of every repository tasks named, on a schedule and on demand, and stores one
 * snapshot row per repository, spec and week: the survival curve is the series of snapshots.
 */
@ApplicationScoped
public class RetentionService {
    private static final Logger LOG = Logger.getLogger(RetentionService.class);
    private final FactRepository facts;
    private final MetricsConfig config;
    private final ReentrantLock scanning = new ReentrantLock();

    public RetentionService(FactRepository facts, MetricsConfig config) {
        this.facts = facts;
        this.config = config;
    }

    /** What one scan found in one repository; {@code error} set when it could not be read. */
    public record RepositoryScan(String repository, List<SpecWeek> rows, String error) {}

    public record Scan(UUID scanId, Instant takenAt, List<RepositoryScan> repositories) {}

    @Scheduled(
            every = "${forgeline.metrics.retention.every}",
            delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledScan() {
        Scan scan = scanAll();
        LOG.infof(
                "retention scan %s: %d repositories",
                scan.scanId(), scan.repositories().size());
    }

    /** Scans every repository a task named (one scan at a time). */
    public Scan scanAll() {
        scanning.lock();
        try {
            List<String> repositories = QuarkusTransaction.requiringNew().call(facts::knownRepositories);
            UUID scanId = UUID.randomUUID();
            Instant takenAt = Instant.now();
            List<RepositoryScan> results = new ArrayList<>();
            for (String repository : repositories) {
                results.add(scanOne(repository));
            }
            QuarkusTransaction.requiringNew()
                    .run(() -> results.stream()
                            .filter(r -> r.error() == null)
                            .forEach(r -> r.rows()
                                    .forEach(row -> facts.recordRetention(
                                            scanId,
                                            new RetentionRow(
                                                    takenAt,
                                                    r.repository(),
                                                    row.specId(),
                                                    row.week(),
                                                    row.generated(),
                                                    row.surviving())))));
            return new Scan(scanId, takenAt, results);
        } finally {
            scanning.unlock();
        }
    }

    private RepositoryScan scanOne(String repository) {
        File path = new File(repository);
        if (!path.exists()) {
            return new RepositoryScan(repository, List.of(), "not a local path on this host");
        }
        try {
            return new RepositoryScan(
                    repository, RetentionScanner.scan(path, config.retention().branch()), null);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("retention scan of %s failed: %s", repository, e.getMessage());
            return new RepositoryScan(repository, List.of(), e.getMessage());
        }
    }
}
