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
            OneTimeTask<Void> noop = Tasks.oneTime("noop").execute((instance, context) -> DrainClock.executed());

            long enqueueStart = System.currentTimeMillis();
            SchedulerClient client =
                    SchedulerClient.Builder.create(dataSource, noop).build();
            Instant due = Instant.now();
            client.scheduleBatch(
                    IntStream.range(0, run.n).mapToObj(i -> (TaskInstance<?>) noop.instance("job-" + i)), due);
            long enqueueMs = System.currentTimeMillis() - enqueueStart;

            SchedulerBuilder builder = Scheduler.create(dataSource, noop);
            if (run.tuned) {
                builder.threads(20).pollingInterval(Duration.ofMillis(10)).pollUsingLockAndFetch(0.5, 1.0);
            }
            Scheduler scheduler = builder.build();
            scheduler.start();
            try {
                run.awaitAndReport(run.tuned ? "db-scheduler (tuned)" : "db-scheduler (default)", enqueueMs);
            } finally {
                scheduler.stop();
            }
        }
        System.exit(0);
    }
}
