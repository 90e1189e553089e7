package dev.forgeline.bench;

import java.time.Duration;
import java.util.stream.IntStream;

import com.zaxxer.hikari.HikariDataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * Child JVM: JobRunr drains {@code n} no-op jobs enqueued before its background job server started. Tuned: 5 s poll
 * interval (the smallest JobRunr OSS allows), 20 workers. Default: the standard server configuration. With a rate
 * (steady-rate benchmark) the server starts first and the jobs are enqueued one by one at that rate; each records
 * submit -> start.
 */
public final class JobRunrDrain {
    private JobRunrDrain() {}

    /** The job: JobRunr calls it by reflection from the stored job details. */
    public static void noop(int job) {
        DrainClock.executed();
    }

    /** The job of a steady-rate run: records submit -> start. */
    public static void started(long submittedMicros) {
        DrainClock.started(submittedMicros);
    }

    public static void main(String[] args) throws Exception {
        ChildDrain run = ChildDrain.parse(args);
        DrainClock.expect(run.n);
        try (HikariDataSource dataSource = run.dataSource()) {
            BackgroundJobServerConfiguration server =
                    BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration();
            if (run.tuned) {
                server = server.andPollInterval(Duration.ofSeconds(5)).andWorkerCount(20);
            }
            // the server is configured here and started once every job is stored
            JobRunrConfigurationResult jobRunr = JobRunr.configure()
                    .useJsonMapper(new JacksonJsonMapper())
                    .useStorageProvider(new PostgresStorageProvider(dataSource))
                    .useBackgroundJobServer(server, false)
                    .initialize();

            String system = run.tuned ? "JobRunr (tuned)" : "JobRunr (default)";
            BackgroundJobServer backgroundJobServer = jobRunr.getBackgroundJobServer();
            if (run.steady()) {
                backgroundJobServer.start();
                try {
                    long submitMs = run.submitAtRate(
                            (i, submitted) -> jobRunr.getJobScheduler().enqueue(() -> JobRunrDrain.started(submitted)));
                    run.awaitAndReport(system, submitMs);
                } finally {
                    backgroundJobServer.stop();
                }
            } else {
                long enqueueStart = System.currentTimeMillis();
                jobRunr.getJobScheduler().enqueue(IntStream.range(0, run.n).boxed(), job -> JobRunrDrain.noop(job));
                long enqueueMs = System.currentTimeMillis() - enqueueStart;

                backgroundJobServer.start();
                try {
                    run.awaitAndReport(system, enqueueMs);
                } finally {
                    backgroundJobServer.stop();
                }
            }
        }
        System.exit(0);
    }
}
