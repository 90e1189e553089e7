package dev.forgeline.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local stack's Kafka broker and PostgreSQL server in one process until it is stopped.
 * Usage: {@code InfraMain WORK_DIR [POSTGRES_PORT]}. When both are up it writes {@code WORK_DIR/infra.env}
 * with the endpoints as environment assignments the services read.
 */
public final class InfraMain {
    private InfraMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: InfraMain WORK_DIR [POSTGRES_PORT]");
            System.exit(2);
        }
        Path work = Files.createDirectories(Path.of(args[0]).toAbsolutePath());
        int pgPort = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Path envFile = work.resolve("infra.env");
        Files.deleteIfExists(envFile);

        LocalPostgres postgres = LocalPostgres.start(Infrastructure.mkdirs(work.resolve("postgres")), pgPort);
        LocalKafka kafka = LocalKafka.start(Infrastructure.mkdirs(work.resolve("kafka")));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                kafka.close();
            } finally {
                postgres.close();
                stopped.countDown();
            }
        }, "infra-shutdown"));

        Path tmp = work.resolve("infra.env.tmp");
        Files.writeString(tmp, "KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers() + "\n"
                + "QUARKUS_DATASOURCE_JDBC_URL=" + postgres.jdbcUrl() + "\n"
                + "QUARKUS_DATASOURCE_USERNAME=" + postgres.username() + "\n"
                + "QUARKUS_DATASOURCE_PASSWORD=" + postgres.password() + "\n");
        Files.move(tmp, envFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("forgeline infra ready: kafka " + kafka.bootstrapServers() + ", postgres " + postgres.jdbcUrl());
        stopped.await();
    }
}
