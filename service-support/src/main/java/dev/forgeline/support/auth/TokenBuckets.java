package dev.forgeline.support.auth;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One token bucket per caller: a bucket holds up to {@code burst} requests and refills at {@code perSecond}; a
 * request takes one, or is refused with the time until one is back. Memory stays bounded: a bucket idle long enough
 * to be full again is dropped (a new one starts full, so nothing is lost), and past {@code maxCallers} the buckets
 * idle longest go first.
 */
public final class TokenBuckets {
    /** How many takes between two sweeps for idle buckets. */
    private static final int SWEEP_EVERY = 1024;

    private final double perSecond;
    private final int burst;
    private final int maxCallers;
    private final InstantSource clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong takes = new AtomicLong();

    /** Taken, or refused with the wait until a request would be taken. */
    public record Take(boolean allowed, Duration retryAfter) {
        static final Take ALLOWED = new Take(true, Duration.ZERO);

        /** The wait in whole seconds, rounded up, at least 1: what {@code Retry-After} says. */
        public long retryAfterSeconds() {
            long seconds = retryAfter.toSeconds() + (retryAfter.toNanosPart() > 0 ? 1 : 0);
            return Math.max(1, seconds);
        }
    }

    public TokenBuckets(double perSecond, int burst, int maxCallers, InstantSource clock) {
        if (!(perSecond > 0) || burst < 1 || maxCallers < 1) {
            throw new IllegalArgumentException("a rate limit needs requests-per-second > 0, burst >= 1 and"
                    + " max-callers >= 1 (got " + perSecond + ", " + burst + ", " + maxCallers + ")");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.maxCallers = maxCallers;
        this.clock = clock;
    }

    /** Takes one request from the caller's bucket. */
    public Take take(String caller) {
        long now = nanos();
        if (takes.incrementAndGet() % SWEEP_EVERY == 0 || buckets.size() > maxCallers) {
            sweep(now);
        }
        return buckets.computeIfAbsent(caller, c -> new Bucket(burst, now)).take(now);
    }

    /** How many callers have a bucket now. */
    public int callers() {
        return buckets.size();
    }

    private void sweep(long now) {
        buckets.values().removeIf(b -> b.fullAt(now));
        int over = buckets.size() - maxCallers;
        if (over > 0) {
            buckets.entrySet().stream()
                    .sorted(Comparator.comparingLong(e -> e.getValue().lastNanos()))
                    .limit(over)
                    .map(Map.Entry::getKey)
                    .toList()
                    .forEach(buckets::remove);
        }
    }

    private long nanos() {
        var instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private final class Bucket {
        private double available;
        private long last;
        private long lastUsed;

        Bucket(double available, long now) {
            this.available = available;
            this.last = now;
            this.lastUsed = now;
        }

        synchronized Take take(long now) {
            refill(now);
            lastUsed = now;
            if (available >= 1) {
                available -= 1;
                return Take.ALLOWED;
            }
            long wait = (long) Math.ceil((1 - available) / perSecond * 1_000_000_000L);
            return new Take(false, Duration.ofNanos(wait));
        }

        synchronized boolean fullAt(long now) {
            refill(now);
            return available >= burst;
        }

        synchronized long lastNanos() {
            return lastUsed;
        }

        private void refill(long now) {
            if (now > last) {
                available = Math.min(burst, available + (now - last) * perSecond / 1_000_000_000L);
                last = now;
            }
        }
    }
}
