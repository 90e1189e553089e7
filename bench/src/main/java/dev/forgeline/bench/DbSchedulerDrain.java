package dev.forgeline.bench;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Child JVM: db-scheduler drains {@code n} no-op one-time tasks that were all due before the scheduler started.
 * Tuned: lock-and-fetch polling, 10 ms polling interval, 20 threads. Default: {@code Scheduler.create(..).build()}.
 * With a rate (steady-rate benchmark) the scheduler starts first and the jobs are scheduled one by one, due at once,
 * at that rate; each records submit -> start.
 */
public final class DbSchedulerDrain {
    /** The PostgreSQL table of db-scheduler's README (postgresql_tables.sql). */
    private static final String DDL = """
            CREATE TABLE scheduled_tasks (
                task_name            TEXT                     NOT NULL,
                task_instance        TEXT                     NOT NULL,
                task_data            BYTEA,
                execution_time       TIMESTAMP WITH TIME ZONE NOT NULL,
                picked               BOOLEAN                  NOT NULL,
                picked_by            TEXT,
                last_success         TIMESTAMP WITH TIME ZONE,
                last_failure         TIMESTAMP WITH TIME ZONE,
                consecutive_failures INT,
                last_heartbeat       TIMESTAMP WITH TIME ZONE,
                version              BIGINT                   NOT NULL,
                priority             SMALLINT,
                PRIMARY KEY (task_name, task_instance)
            );
            CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
            CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
            CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);
            """;

    private DbSchedulerDrain() {}

    public static void main(String[] args) throws Exception {
        ChildDrain run = ChildDrain.parse(args);
        DrainClock.expect(run.n);
        try (HikariDataSource dataSource = run.dataSource()) {
            try (Connection c = dataSource.getConnection();
                    Statement s = c.createStatement()) {
                s.execute(DDL);
            }
            // drain jobs carry nothing; steady-rate jobs carry their submit time (epoch microseconds)
            OneTimeTask<Long> noop = Tasks.oneTime("noop", Long.class).execute((instance, context) -> {
                if (instance.getData() == null) {
                    DrainClock.executed();
                } else {
                    DrainClock.started(instance.getData());
                }
            });
            SchedulerClient client =
                    SchedulerClient.Builder.create(dataSource, noop).build();
            SchedulerBuilder builder = Scheduler.create(dataSource, noop);
            if (run.tuned) {
                builder.threads(20).pollingInterval(Duration.ofMillis(10)).pollUsingLockAndFetch(0.5, 1.0);
            }
            String system = run.tuned ? "db-scheduler (tuned)" : "db-scheduler (default)";

            if (run.steady()) {
                Scheduler scheduler = builder.build();
                scheduler.start();
                try {
                    long submitMs = run.submitAtRate(
                            (i, submitted) -> client.schedule(noop.instance("job-" + i, submitted), Instant.now()));
                    run.awaitAndReport(system, submitMs);
                } finally {
                    scheduler.stop();
                }
            } else {
                long enqueueStart = System.currentTimeMillis();
                Instant due = Instant.now();
                client.scheduleBatch(
                        IntStream.range(0, run.n).mapToObj(i -> (TaskInstance<?>) noop.instance("job-" + i)), due);
                long enqueueMs = System.currentTimeMillis() - enqueueStart;

                Scheduler scheduler = builder.build();
                scheduler.start();
                try {
                    run.awaitAndReport(system, enqueueMs);
                } finally {
                    scheduler.stop();
                }
            }
        }
        System.exit(0);
    }
}
