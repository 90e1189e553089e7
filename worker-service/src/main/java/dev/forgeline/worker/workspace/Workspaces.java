package dev.forgeline.worker.workspace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.forgeline.contracts.Envelope;
import dev.forgeline.contracts.EventCodec;
import dev.forgeline.contracts.EventType;
import dev.forgeline.contracts.payload.TaskLeased;
import dev.forgeline.support.git.GitCommand;
import dev.forgeline.support.git.GitException;
import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.RepositoryUrl;
import dev.forgeline.support.process.ProcessLedger;
import dev.forgeline.support.process.TrackedProcess;
import org.jboss.logging.Logger;

/**
 * The worker's directory: one mirror per remote target repository, attempt records, and failed worktrees kept for
 * debugging.
 * <ul>
 * <li>{@code mirrors/<name>-<hash>.git}: a bare clone of a repository named by URL ({@code file://} included),
 * made once and fetched before every attempt ({@code refs/remotes/origin/*}), never re-cloned. Attempt branches
 * are pushed back to the URL under the push ref prefix. A plain local path (leases from before repositories were
 * URLs) is used as it is and nothing is pushed.</li>
 * <li>{@code .attempts/<leaseId>.json}: written when an attempt starts, deleted once its result is published. A
 * record found at start-up is an attempt the previous process abandoned. Beside it,
 * {@code .attempts/<leaseId>.processes}: one line per child process the attempt started (pid, process group, start
 * time in clock ticks since boot, boot id), so the next process can kill what the abandoned attempt left
 * running.</li>
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
    private final GitRunner git;
    private final String pushRefPrefix;
    private final Duration retention;
    private final int maxKept;
    private final long maxKeptBytes;

    public Workspaces(
            Path root, GitRunner git, String pushRefPrefix, Duration retention, int maxKept, long maxKeptBytes) {
        this.root = root.toAbsolutePath().normalize();
        this.git = git;
        this.pushRefPrefix = checkPushRefPrefix(pushRefPrefix);
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
     *                   branch is pushed to the remote
     * @param remote     the remote's URL, null for a plain local path
     */
    public record Target(Path repository, boolean mirror, RepositoryUrl remote) {
        public String baseRef(String baseBranch) {
            return (mirror ? "refs/remotes/origin/" : "refs/heads/") + baseBranch;
        }
    }

    private static final String BRANCH_PREFIX = "forgeline/";

    /** Whether a lease's repository is a URL (a mirror is used) rather than a plain local path. */
    public static boolean isRemote(String repository) {
        return repository != null && URL.matcher(repository.strip()).matches();
    }

    /**
     * The local repository for a task: the mirror of its URL, cloned once and fetched now, or a plain local path
     * as it is.
     *
     * @throws GitException the remote could not be cloned or fetched (its {@link GitException#failure()} says why)
     */
    public Target prepare(String repository) throws IOException {
        if (repository == null || repository.isBlank()) {
            throw new IOException("the task names no repository");
        }
        if (!isRemote(repository)) {
            Path path = Path.of(repository);
            if (!Files.isDirectory(path)) {
                throw new IOException("repository " + repository + " is not a local directory or a git URL");
            }
            return new Target(path.toAbsolutePath().normalize(), false, null);
        }
        RepositoryUrl url = RepositoryUrl.parse(repository, true);
        Path mirror = mirrorPath(url);
        if (!Files.isDirectory(mirror.resolve("objects"))) {
            LOG.infof("cloning %s into mirror %s", url.display(), mirror);
        }
        git.cloneOrFetch(url, mirror);
        return new Target(mirror, true, url);
    }

    /** The mirror directory of a repository URL: readable name plus a hash of the normalised URL. */
    public Path mirrorPath(String url) {
        return mirrorPath(RepositoryUrl.parse(url, true));
    }

    private Path mirrorPath(RepositoryUrl url) {
        String normalised = url.toString().replaceAll("/+$", "");
        return root.resolve("mirrors")
                .resolve(url.name() + "-" + sha1(normalised).substring(0, 12) + ".git");
    }

    /**
     * The ref of the remote an attempt branch is pushed to: the push ref prefix followed by the branch without
     * its {@code forgeline/} start ({@code refs/heads/forgeline/} gives back the branch name itself).
     */
    public String remoteRef(String branch) {
        String rest = branch.startsWith(BRANCH_PREFIX) ? branch.substring(BRANCH_PREFIX.length()) : branch;
        return pushRefPrefix + rest;
    }

    /**
     * Pushes an attempt branch of a mirror to its remote, so the review service finds it there.
     *
     * @return the full ref pushed to, or empty for a plain local path (the branch is already where review reads it)
     * @throws GitException the push failed (refused credentials, unreachable host, a declined ref)
     */
    public Optional<String> push(Target target, String branch) {
        if (!target.mirror()) {
            return Optional.empty();
        }
        String remoteRef = remoteRef(branch);
        git.push(target.repository(), target.remote(), "refs/heads/" + branch, remoteRef, true);
        return Optional.of(remoteRef);
    }

    private static String checkPushRefPrefix(String prefix) {
        String value = prefix == null ? "" : prefix.strip();
        if (!value.endsWith("/")) {
            value = value + "/";
        }
        if (!value.startsWith("refs/")
                || value.contains("..")
                || value.contains("//")
                || !value.matches("[A-Za-z0-9._/-]+")) {
            throw new IllegalArgumentException("forgeline.worker.push-ref-prefix '" + prefix
                    + "' is not a ref namespace such as refs/heads/forgeline/ or refs/forgeline/");
        }
        return value;
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
            Files.deleteIfExists(processesFile(leaseId));
        } catch (IOException e) {
            LOG.warnf("attempt record of lease %s not removed: %s", leaseId, e.getMessage());
        }
    }

    private Path processesFile(UUID leaseId) {
        return attemptsDir().resolve(leaseId + ".processes");
    }

    /**
     * Where an attempt writes down each process it starts: appended and forced to disk at once, since it is read
     * after this process died.
     */
    public ProcessLedger processLedger(UUID leaseId) {
        Path file = processesFile(leaseId);
        return process -> {
            try {
                Files.createDirectories(attemptsDir());
                try (FileChannel channel = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    channel.write(ByteBuffer.wrap((process.toLine() + "\n").getBytes(StandardCharsets.UTF_8)));
                    channel.force(false);
                }
            } catch (IOException e) {
                LOG.warnf(
                        "process %d of lease %s not recorded (a crash of the worker would leave it running): %s",
                        process.pid(), leaseId, e.getMessage());
            }
        };
    }

    /** The processes an attempt wrote down, oldest first. */
    public List<TrackedProcess> trackedProcesses(UUID leaseId) throws IOException {
        Path file = processesFile(leaseId);
        if (!Files.exists(file)) {
            return List.of();
        }
        List<TrackedProcess> processes = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                TrackedProcess.fromLine(line)
                        .ifPresentOrElse(
                                processes::add, () -> LOG.warnf("unreadable line in %s ignored: %s", file, line));
            }
        }
        return processes;
    }

    /**
     * Leases whose process record outlived their attempt record (an unreadable attempt record was removed): what
     * they started must still be killed, though there is no attempt to report.
     */
    public List<UUID> processRecordsWithoutAttempt() throws IOException {
        List<UUID> leases = new ArrayList<>();
        if (!Files.isDirectory(attemptsDir())) {
            return leases;
        }
        try (Stream<Path> files = Files.list(attemptsDir())) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".processes")).toList()) {
                String name = file.getFileName().toString();
                String lease = name.substring(0, name.length() - ".processes".length());
                if (!Files.exists(attemptsDir().resolve(lease + ".json"))) {
                    try {
                        leases.add(UUID.fromString(lease));
                    } catch (IllegalArgumentException e) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
        return leases;
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
                    git.exec(GitCommand.in(repository, "worktree", "prune"));
                }
            }
        } catch (IOException | GitException e) {
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

    /**
     * Removes kept worktrees older than the retention, then the oldest while over the count or size bound. One prune
     * at a time: attempts ending together would otherwise delete the worktrees another one is measuring.
     */
    public synchronized void pruneKept(Instant now) throws IOException, InterruptedException {
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
                git.exec(GitCommand.in(entry.repository(), "worktree", "prune"));
            } catch (GitException e) {
                LOG.debugf("worktree prune in %s failed: %s", entry.repository(), e.getMessage());
            }
            Files.deleteIfExists(entry.marker());
            LOG.infof("removed kept failed worktree %s", entry.worktree());
        }
    }

    /** Bytes of the regular files under {@code dir}; files that vanish while it is walked (a git process, a prune) count 0. */
    static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        long[] bytes = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    bytes[0] += attributes.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return bytes[0];
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
