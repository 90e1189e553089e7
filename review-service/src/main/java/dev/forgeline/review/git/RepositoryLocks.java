package dev.forgeline.review.git;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import jakarta.enterprise.context.ApplicationScoped;

/** One merge at a time per repository (the consumers and the REST API merge from different threads). */
@ApplicationScoped
public class RepositoryLocks {
    private final ConcurrentHashMap<Path, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** Locks the repository until the returned handle is closed. */
    public Held lock(Path repository) {
        ReentrantLock lock = locks.computeIfAbsent(canonical(repository), p -> new ReentrantLock());
        lock.lock();
        return lock::unlock;
    }

    private static Path canonical(Path repository) {
        try {
            return repository.toRealPath();
        } catch (IOException e) {
            return repository.toAbsolutePath().normalize();
        }
    }

    /** A held lock. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
