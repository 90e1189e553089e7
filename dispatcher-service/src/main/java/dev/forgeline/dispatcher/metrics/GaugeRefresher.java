package dev.forgeline.dispatcher.metrics;

import java.util.Map;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.forgeline.dispatcher.repository.NodeRepository;
import dev.forgeline.dispatcher.repository.TaskRepository;
import io.quarkus.scheduler.Scheduled;
import org.jboss.logging.Logger;

/** Copies queue depth, node counts and free slots out of the database for the gauges. */
@ApplicationScoped
public class GaugeRefresher {
    private static final Logger LOG = Logger.getLogger(GaugeRefresher.class);

    private final TaskRepository tasks;
    private final NodeRepository nodes;
    private final DispatcherMetrics metrics;

    public GaugeRefresher(TaskRepository tasks, NodeRepository nodes, DispatcherMetrics metrics) {
        this.tasks = tasks;
        this.nodes = nodes;
        this.metrics = metrics;
    }

    @Scheduled(every = "5s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void refresh() {
        try {
            metrics.queueDepth(tasks.countByState());
            Map<String, Long> byStatus = nodes.countByStatus();
            metrics.nodes(byStatus, byStatus.getOrDefault("$free", 0L));
        } catch (RuntimeException e) {
            LOG.debugf("gauges not refreshed: %s", e.getMessage());
        }
    }
}
