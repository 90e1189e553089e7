package dev.forgeline.worker.workspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.worker.git.GitCli;
import dev.forgeline.worker.git.GitCommandException;
import org.jboss.logging.Logger;

/**
 * The worker's directory: one mirror per remote target repository, attempt records, and failed worktrees kept for
 * debugging.
 * <ul>
 * <li>{@code mirrors/<name>-<hash>.git}: a bare clone of a remote repository (URL), made once and fetched before
 * every attempt ({@code refs/remotes/origin/*}), never re-cloned. A local path is used as it is.</li>
 * <li>{@code .attempts/<leaseId>.json}: written when an attempt starts, deleted once its result is published. A
 * record found at start-up is an attempt the previous process abandoned.</li>
 * <li>{@code .kept/<leaseId>.properties}: a failed attempt's worktree left in place for debugging, removed after
 * {@code retention}, or sooner when more than {@code maxKept} are kept or they take more than {@code maxKeptBytes}
 * (oldest first).</li>
 * </ul>
 */
public class Workspaces {
    private static final Logger LOG = Logger.getLogger(Workspaces.class);
    private static final Pattern URL =
            Pattern.compile("^(?:[a-z][a-z0-9+.-]*://|[^/\\s]+@[^/\\s:]+:).+", Pattern.CASE_INSENSITIVE);

    private final Path root;
    private final GitCli git;
    private final Duration retention;
    private final int maxKept;
    private final long maxKeptBytes;

    public Workspaces(Path root, GitCli git, Duration retention, int maxKept, long maxKeptBytes) {
        this.root = root.toAbsolutePath().normalize();
        this.git = git;
        this.retention = retention;
        this.maxKept = maxKept;
        this.maxKeptBytes = maxKeptBytes;
    }

    public Path root() {
        return root;
    }

    /**
     * Where an attempt's repository lives on this machine.
     *
     * @param repository the git directory worktrees are added to (the local clone or the mirror)
     * @param mirror     true for a mirror of a remote: the base is {@code refs/remotes/origin/<base>} and the attempt
     *                   branch is pushed to origin
     */
    public record Target(Path repository, boolean mirror) {
        public String baseRef(String baseBranch) {
            return (mirror ? "refs/remotes/origin/" : "refs/heads/") + baseBranch;
        }
    }

    public static boolean isRemote(String repository) {
        return repository != null && URL.matcher(repository.strip()).matches();
    }

    /** The local repository for a task: the path itself, or the mirror of a URL, cloned once and fetched now. */
    public Target prepare(String repository) throws IOException, GitCommandException, InterruptedException {
        if (repository == null || repository.isBlank()) {
            throw new IOException("the task names no repository");
        }
        if (!isRemote(repository)) {
            Path path = Path.of(repository);
            if (!Files.isDirectory(path)) {
                throw new IOException("repository " + repository + " is not a local directory or a git URL");
            }
            return new Target(path.toAbsolutePath().normalize(), false);
        }
        Path mirror = mirrorPath(repository);
        if (!Files.isDirectory(mirror.resolve("objects"))) {
            Files.createDirectories(mirror.getParent());
            LOG.infof("cloning %s into mirror %s", repository, mirror);
            git.run(mirror, mirror.getParent(), "clone", "--bare", "--quiet", repository.strip(), mirror.toString());
            git.run(mirror, mirror, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
        }
        git.run(mirror, mirror, "fetch", "--quiet", "--prune", "origin");
        return new Target(mirror, true);
    }

    /** The mirror directory of a repository URL: readable name plus a hash of the URL. */
    public Path mirrorPath(String url) {
        String trimmed = url.strip().replaceAll("/+$", "");
        String name = trimmed.substring(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf(':')) + 1)
                .replaceAll("\\.git$", "")
                .replaceAll("[^A-Za-z0-9._-]", "_");
        return root.resolve("mirrors").resolve(name + "-" + sha1(trimmed).substring(0, 12) + ".git");
    }

    /** Pushes an attempt branch of a mirror to its origin, so the review service finds it there. */
    public void push(Target target, String branch) throws GitCommandException, InterruptedException {
        if (target.mirror()) {
            git.run(
                    target.repository(),
                    target.repository(),
                    "push",
                    "--quiet",
                    "--force",
                    "origin",
                    "refs/heads/" + branch + ":refs/heads/" + branch);
        }
    }

    // ---- attempt records ------------------------------------------------------------------------------------

    private Path attemptsDir() {
        return root.resolve(".attempts");
    }

    public void recordStart(TaskLeased lease) throws IOException {
        Files.createDirectories(attemptsDir());
        Files.writeString(
                attemptsDir().resolve(lease.leaseId() + ".json"),
                EventCodec.encode(Envelope.of(
                        EventType.TASK_LEASED,
                        lease.task().specId(),
                        lease.task().taskId(),
                        lease,
                        Map.of())),
                StandardCharsets.UTF_8);
    }

    public void recordEnd(UUID leaseId) {
        try {
            Files.deleteIfExists(attemptsDir().resolve(leaseId + ".json"));
        } catch (IOException e) {
            LOG.warnf("attempt record of lease %s not removed: %s", leaseId, e.getMessage());
        }
    }

    /** The attempts a previous process started and never finished. */
    public List<TaskLeased> abandonedAttempts() throws IOException {
        List<TaskLeased> leases = new ArrayList<>();
        if (!Files.isDirectory(attemptsDir())) {
            return leases;
        }
        try (Stream<Path> files = Files.list(attemptsDir())) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                try {
                    leases.add(EventCodec.decode(Files.readString(file, StandardCharsets.UTF_8))
                            .payloadAs(TaskLeased.class));
                } catch (RuntimeException e) {
                    LOG.warnf("unreadable attempt record %s removed: %s", file, e.getMessage());
                    Files.deleteIfExists(file);
                }
            }
        }
        return leases;
    }

    /** Removes what an abandoned attempt left: its worktree (the branch stays) and the repository's bookkeeping. */
    public void removeLeftovers(TaskLeased lease, Path worktree) throws InterruptedException {
        try {
            if (Files.exists(worktree)) {
                Path repository = repositoryOfWorktree(worktree);
                deleteRecursively(worktree);
                if (repository != null) {
                    git.exec(repository, repository, "worktree", "prune");
                }
            }
        } catch (IOException | GitCommandException e) {
            LOG.warnf("leftovers in %s not fully removed: %s", worktree, e.getMessage());
        }
    }

    /** The repository a worktree belongs to, from its {@code .git} file ({@code gitdir: <repo>/.git/worktrees/x}). */
    static Path repositoryOfWorktree(Path worktree) throws IOException {
        Path dotGit = worktree.resolve(".git");
        if (!Files.isRegularFile(dotGit)) {
            return null;
        }
        String line = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
        if (!line.startsWith("gitdir:")) {
            return null;
        }
        Path gitdir = Path.of(line.substring("gitdir:".length()).strip());
        // <repo>/.git/worktrees/<name> or <mirror>.git/worktrees/<name>
        Path common = gitdir.getParent() == null ? null : gitdir.getParent().getParent();
        if (common == null) {
            return null;
        }
        return common.getFileName().toString().equals(".git") ? common.getParent() : common;
    }

    // ---- failed worktrees kept for debugging ----------------------------------------------------------------

    private Path keptDir() {
        return root.resolve(".kept");
    }

    /** Whether failed worktrees are kept at all. */
    public boolean keepsFailed() {
        return maxKept > 0 && !retention.isZero();
    }

    /** Leaves a failed attempt's worktree in place and prunes the kept ones beyond the bounds. */
    public void keepFailed(UUID leaseId, Path repository, Path worktree) throws IOException, InterruptedException {
        Files.createDirectories(keptDir());
        Properties entry = new Properties();
        entry.setProperty("repository", repository.toString());
        entry.setProperty("worktree", worktree.toString());
        entry.setProperty("keptAt", Instant.now().toString());
        try (var out = Files.newBufferedWriter(keptDir().resolve(leaseId + ".properties"))) {
            entry.store(out, "failed attempt worktree kept for debugging");
        }
        pruneKept(Instant.now());
    }

    /** A kept worktree. */
    public record Kept(Path marker, Path repository, Path worktree, Instant keptAt) {}

    public List<Kept> kept() throws IOException {
        List<Kept> kept = new ArrayList<>();
        if (!Files.isDirectory(keptDir())) {
            return kept;
        }
        try (Stream<Path> files = Files.list(keptDir())) {
            for (Path marker :
                    files.filter(f -> f.toString().endsWith(".properties")).toList()) {
                Properties entry = new Properties();
                try (var in = Files.newBufferedReader(marker)) {
                    entry.load(in);
                    kept.add(new Kept(
                            marker,
                            Path.of(entry.getProperty("repository")),
                            Path.of(entry.getProperty("worktree")),
                            Instant.parse(entry.getProperty("keptAt"))));
                } catch (RuntimeException e) {
                    Files.deleteIfExists(marker);
                }
            }
        }
        kept.sort(Comparator.comparing(Kept::keptAt));
        return kept;
    }

    /** Removes kept worktrees older than the retention, then the oldest while over the count or size bound. */
    public void pruneKept(Instant now) throws IOException, InterruptedException {
        List<Kept> kept = new ArrayList<>(kept());
        List<Kept> remove = new ArrayList<>();
        for (Kept entry : kept) {
            if (entry.keptAt().plus(retention).isBefore(now) || !Files.exists(entry.worktree())) {
                remove.add(entry);
            }
        }
        kept.removeAll(remove);
        long bytes = 0;
        for (Kept entry : kept) {
            bytes += size(entry.worktree());
        }
        while (!kept.isEmpty() && (kept.size() > maxKept || bytes > maxKeptBytes)) {
            Kept oldest = kept.remove(0);
            bytes -= size(oldest.worktree());
            remove.add(oldest);
        }
        for (Kept entry : remove) {
            deleteRecursively(entry.worktree());
            try {
                git.exec(entry.repository(), entry.repository(), "worktree", "prune");
            } catch (GitCommandException e) {
                LOG.debugf("worktree prune in %s failed: %s", entry.repository(), e.getMessage());
            }
            Files.deleteIfExists(entry.marker());
            LOG.infof("removed kept failed worktree %s", entry.worktree());
        }
    }

    private static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        }
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(path);
                } catch (NoSuchFileException e) {
                    // already gone
                }
            }
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
