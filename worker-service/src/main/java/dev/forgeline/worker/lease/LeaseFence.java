package dev.forgeline.worker.lease;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.forgeline.contracts.payload.TaskLeased;

/**
 * Whether a lease is still its task's current one, judged from what this worker has read itself, without any
 * history from elsewhere. Fencing tokens grow strictly across all leases, and the dispatcher revokes a lease to its
 * node (in that node's lease feed, after the lease) before it leases the task again, so from its own feed a worker
 * knows per task the highest token leased to it and the highest one ended (revoked, or abandoned by a previous run of
 * this worker). A lease is stale, and must not start, when
 * <ul>
 * <li>its deadline has passed (the dispatcher has timed it out),</li>
 * <li>its token, or a later one, has been revoked or abandoned, or</li>
 * <li>a later lease of the same task has been seen.</li>
 * </ul>
 * Remembers the most recent {@value #REMEMBERED_TASKS} tasks.
 */
public final class LeaseFence {
    static final int REMEMBERED_TASKS = 10_000;

    private record Tokens(long highestLeased, long highestEnded) {}

    private final Map<String, Tokens> tasks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tokens> eldest) {
            return size() > REMEMBERED_TASKS;
        }
    };

    private static String key(String specId, String taskId) {
        return specId + "/" + taskId;
    }

    /** A lease has been read. */
    public synchronized void leased(TaskLeased lease) {
        String key = key(lease.task().specId(), lease.task().taskId());
        Tokens tokens = tasks.getOrDefault(key, new Tokens(Long.MIN_VALUE, Long.MIN_VALUE));
        tasks.put(key, new Tokens(Math.max(tokens.highestLeased(), lease.fencingToken()), tokens.highestEnded()));
    }

    /** The lease of a task with this token has ended: revoked or abandoned by a previous run. */
    public synchronized void ended(String specId, String taskId, long fencingToken) {
        String key = key(specId, taskId);
        Tokens tokens = tasks.getOrDefault(key, new Tokens(Long.MIN_VALUE, Long.MIN_VALUE));
        tasks.put(
                key,
                new Tokens(
                        Math.max(tokens.highestLeased(), fencingToken), Math.max(tokens.highestEnded(), fencingToken)));
    }

    /** Why the lease must not run, or empty when it is its task's current one as far as this worker knows. */
    public Optional<String> staleReason(TaskLeased lease, Instant now) {
        if (lease.deadline() != null && lease.deadline().isBefore(now)) {
            return Optional.of("its deadline " + lease.deadline() + " has passed");
        }
        return supersededReason(lease);
    }

    /** Why the lease is no longer its task's current one (revoked, abandoned or followed by a later lease). */
    public synchronized Optional<String> supersededReason(TaskLeased lease) {
        Tokens tokens = tasks.get(key(lease.task().specId(), lease.task().taskId()));
        if (tokens == null) {
            return Optional.empty();
        }
        if (tokens.highestEnded() >= lease.fencingToken()) {
            return Optional.of("the task's lease with fencing token " + tokens.highestEnded()
                    + " has been revoked or abandoned, and this lease's token " + lease.fencingToken()
                    + " is not later");
        }
        if (tokens.highestLeased() > lease.fencingToken()) {
            return Optional.of("a later lease of the task (fencing token " + tokens.highestLeased()
                    + ") has been seen; this lease's token is " + lease.fencingToken());
        }
        return Optional.empty();
    }
}
