package dev.forgeline.worker.attempt;

import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import jakarta.enterprise.context.ApplicationScoped;

/** The attempts this worker is running now, by lease id. */
@ApplicationScoped
public class RunningAttempts {
    private final ConcurrentHashMap<UUID, AttemptProgress> running = new ConcurrentHashMap<>();

    public void add(AttemptProgress progress) {
        running.put(progress.lease().leaseId(), progress);
    }

    public void remove(AttemptProgress progress) {
        running.remove(progress.lease().leaseId());
    }

    /** Oldest first. */
    public List<AttemptProgress> list() {
        return running.values().stream()
                .sorted(Comparator.comparing(AttemptProgress::startedAt))
                .toList();
    }
}
