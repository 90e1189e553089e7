package dev.forgeline.metrics.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import jakarta.enterprise.context.ApplicationScoped;

import dev.forgeline.metrics.config.MetricsConfig;
import dev.forgeline.metrics.domain.FactRows.RetentionRow;
import dev.forgeline.metrics.git.RepositoryMirrors;
import dev.forgeline.metrics.git.RetentionScanner;
import dev.forgeline.metrics.git.RetentionScanner.SpecWeek;
import dev.forgeline.metrics.repository.FactRepository;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.InvalidRepositoryUrlException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/**
 * Blames the configured branch of every repository tasks named, on a schedule and on demand, and stores one
 * snapshot row per repository, spec and week: the survival curve is the series of snapshots. Every scan reads the
 * service's own mirror of the repository, fetched just before (and on its own schedule), never the path an event
 * names.
 */
@ApplicationScoped
public class RetentionService {
    private static final Logger LOG = Logger.getLogger(RetentionService.class);
    private final FactRepository facts;
    private final MetricsConfig config;
    private final RepositoryMirrors mirrors;
    private final ReentrantLock scanning = new ReentrantLock();

    public RetentionService(FactRepository facts, MetricsConfig config, RepositoryMirrors mirrors) {
        this.facts = facts;
        this.config = config;
        this.mirrors = mirrors;
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

    /** Keeps the mirrors of every known repository fresh between scans. */
    @Scheduled(
            every = "${forgeline.metrics.retention.refresh-every}",
            delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refreshMirrors() {
        List<String> repositories = QuarkusTransaction.requiringNew().call(facts::knownRepositories);
        for (String repository : repositories) {
            try {
                mirrors.refresh(repository, config.retention().branch());
            } catch (RuntimeException e) {
                LOG.warnf("mirror of %s not refreshed: %s", repository, e.getMessage());
            }
        }
    }

    /** Fetches and scans every repository a task named (one scan at a time). */
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
        String branch = config.retention().branch();
        Path mirror;
        try {
            mirror = mirrors.refresh(repository, branch);
        } catch (GitException e) {
            LOG.warnf("retention scan of %s: fetch failed: %s", repository, e.getMessage());
            return new RepositoryScan(repository, List.of(), "could not fetch the repository (" + e.failure() + ")");
        } catch (InvalidRepositoryUrlException e) {
            return new RepositoryScan(repository, List.of(), e.getMessage());
        }
        try {
            return new RepositoryScan(
                    repository,
                    mirrors.whileUnchanged(mirror, () -> {
                        try {
                            return RetentionScanner.scan(mirror, branch);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }),
                    null);
        } catch (RuntimeException e) {
            LOG.warnf("retention scan of %s failed: %s", repository, e.getMessage());
            return new RepositoryScan(repository, List.of(), e.getMessage());
        }
    }
}
