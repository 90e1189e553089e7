package dev.forgeline.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real git server speaking the smart HTTP protocol on 127.0.0.1 (or another address of this machine, as a
 * separate git host): every request runs git's own
 * {@code git-http-backend} as a CGI program over bare repositories in a directory of the server's own. Clones,
 * fetches and pushes (receive-pack is on) are real; so are HTTP Basic authentication by token (globally or per
 * repository) and the faults a real server shows: answers of 5xx or 429, slow answers, a repository deleted
 * mid-run, a protected branch (a pre-receive hook in the served repository declines pushes to it).
 */
public final class GitHttpServer implements AutoCloseable {
    private static final String REALM = "forgeline-test-git";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Path root;
    private final List<String> backend;
    private final Set<String> globalTokens = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<String>> repositoryTokens = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> protectedBranches = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 503;
    private final AtomicInteger delaysLeft = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private GitHttpServer(Path root, InetAddress address) throws IOException {
        this.root = root;
        this.backend = findBackend();
        this.server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "git-http-server");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A server on a free port of 127.0.0.1 with its repositories in a new temporary directory. */
    public static GitHttpServer start() {
        return start(InetAddress.getLoopbackAddress());
    }

    /**
     * A server on a free port of {@code address} (e.g. 127.0.0.3, a host of its own next to services on 127.0.0.1)
     * with its repositories in a new temporary directory.
     */
    public static GitHttpServer start(InetAddress address) {
        try {
            return new GitHttpServer(Files.createTempDirectory("git-http-server"), address);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a git server on " + address.getHostAddress(), e);
        }
    }

    /** The directory of the served bare repositories (for fakes of git hosts that work on them server-side). */
    public Path repositoriesDirectory() {
        return root;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The address the server listens on. */
    public InetAddress address() {
        return server.getAddress().getAddress();
    }

    /** The address the server listens on, as URLs name it: {@code 127.0.0.1}, or {@code [::1]} for IPv6. */
    public String host() {
        InetAddress address = address();
        String literal = address.getHostAddress();
        return address instanceof java.net.Inet6Address ? "[" + literal + "]" : literal;
    }

    /** The clone URL of repository {@code name}: {@code http://127.0.0.1:<port>/<name>.git}. */
    public String url(String name) {
        return "http://" + host() + ":" + port() + "/" + name + ".git";
    }

    // ---- repositories ----------------------------------------------------------------------------------------

    /** A served repository whose branch {@code main} holds one commit of {@code files} (path to content). */
    public GitHttpServer createRepository(String name, Map<String, String> files) {
        try {
            Path work = Files.createTempDirectory(root.getParent(), "seed");
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path path = work.resolve(file.getKey());
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue());
            }
            try {
                return createRepository(name, work);
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A served repository seeded from {@code seed}: all branches of it when it is a git repository, else one
     * commit of its files on branch {@code main}.
     */
    public GitHttpServer createRepository(String name, Path seed) {
        Path bare = repositoryDirectory(name);
        if (Files.exists(bare)) {
            throw new IllegalStateException("repository " + name + " already exists");
        }
        if (Files.isDirectory(seed.resolve(".git")) || Files.isRegularFile(seed.resolve("HEAD"))) {
            git(
                    root,
                    "clone",
                    "--bare",
                    "--quiet",
                    "--no-local",
                    seed.toAbsolutePath().toString(),
                    bare.toString());
        } else {
            git(root, "init", "--bare", "--quiet", "-b", "main", bare.toString());
            // the seed's files are committed from a copy: the caller's directory stays as it is
            Path work = copyTree(seed);
            git(work, "init", "--quiet", "-b", "main");
            git(work, "add", "-A");
            git(
                    work,
                    "-c",
                    "user.name=Forgeline Test",
                    "-c",
                    "user.email=test@forgeline.dev",
                    "commit",
                    "--quiet",
                    "--allow-empty",
                    "-m",
                    "initial commit");
            git(work, "push", "--quiet", bare.toString(), "main:main");
            deleteTree(work);
        }
        git(bare, "config", "http.receivepack", "true");
        return this;
    }

    /** Removes a served repository, as a host does when it is deleted while Forgeline uses it. */
    public void deleteRepository(String name) {
        deleteTree(repositoryDirectory(name));
    }

    /** Pushes to {@code branch} of {@code name} are refused from now on (as a protected branch is). */
    public void protectBranch(String name, String branch) {
        Set<String> branches = protectedBranches.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet());
        branches.add(branch);
        StringBuilder hook = new StringBuilder("#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in\n");
        for (String protectedBranch : branches) {
            hook.append("    'refs/heads/")
                    .append(protectedBranch.replace("'", ""))
                    .append("') echo \"protected branch: $ref cannot be pushed to\" >&2; exit 1;;\n");
        }
        hook.append("  esac\ndone\nexit 0\n");
        Path file = repositoryDirectory(name).resolve("hooks").resolve("pre-receive");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, hook.toString());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The commit {@code branch} of a served repository points at, if the branch exists. */
    public Optional<String> head(String name, String branch) {
        Result result = run(
                repositoryDirectory(name), List.of("git", "rev-parse", "--verify", "--quiet", "refs/heads/" + branch));
        return result.exitCode == 0 ? Optional.of(result.output.strip()) : Optional.empty();
    }

    /** The content of {@code path} on {@code branch} of a served repository. */
    public String show(String name, String branch, String path) {
        return git(repositoryDirectory(name), "show", branch + ":" + path);
    }

    // ---- authentication and faults ---------------------------------------------------------------------------

    /** Every repository needs HTTP Basic authentication with this token as password from now on. */
    public GitHttpServer requireToken(String token) {
        globalTokens.add(token);
        return this;
    }

    /** Repository {@code name} needs this token (or a global one) from now on. */
    public GitHttpServer requireToken(String name, String token) {
        repositoryTokens
                .computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet())
                .add(token);
        return this;
    }

    /** The next {@code count} requests are answered with {@code status} (e.g. 503, 429) and nothing else. */
    public void failNext(int count, int status) {
        failureStatus = status;
        failuresLeft.set(count);
    }

    /** The next {@code count} requests are answered only after {@code delay}, as an overloaded server does. */
    public void delayNext(int count, Duration delay) {
        this.delay = delay;
        delaysLeft.set(count);
    }

    /** Requests so far, as {@code "<method> <path>[?query] -> <status>"}. */
    public List<String> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        deleteTree(root);
    }

    // ---- serving ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        String line = method + " " + path + (query == null ? "" : "?" + query);
        try (exchange) {
            if (delaysLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                respond(exchange, failureStatus, "injected failure\n");
                requests.add(line + " -> " + failureStatus);
                return;
            }
            String repository = repositoryName(path);
            Optional<String> user = authenticate(exchange, repository);
            if (user == null) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"" + REALM + "\"");
                respond(exchange, 401, "authentication required\n");
                requests.add(line + " -> 401");
                return;
            }
            int status = cgi(exchange, path, query, user);
            requests.add(line + " -> " + status);
        }
    }

    /** Empty for anonymous access, the user when the token fits, null when it is refused (401). */
    private Optional<String> authenticate(HttpExchange exchange, String repository) {
        Set<String> accepted = new java.util.HashSet<>(globalTokens);
        accepted.addAll(repositoryTokens.getOrDefault(repository, Set.of()));
        if (accepted.isEmpty()) {
            return Optional.empty();
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        String username = colon < 0 ? decoded : decoded.substring(0, colon);
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        return accepted.contains(password) ? Optional.of(username.isEmpty() ? "token" : username) : null;
    }

    private int cgi(HttpExchange exchange, String path, String query, Optional<String> user) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(backend).directory(root.toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", root.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_PROJECT_ROOT", root.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("GATEWAY_INTERFACE", "CGI/1.1");
        env.put("SERVER_PROTOCOL", "HTTP/1.1");
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", exchange.getRequestURI().getPath());
        env.put("QUERY_STRING", query == null ? "" : query);
        env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
        user.ifPresent(u -> env.put("REMOTE_USER", u));
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null) {
            env.put("CONTENT_TYPE", contentType);
        }
        String contentLength = exchange.getRequestHeaders().getFirst("Content-Length");
        if (contentLength != null) {
            env.put("CONTENT_LENGTH", contentLength);
        }
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        if (encoding != null) {
            env.put("HTTP_CONTENT_ENCODING", encoding);
        }
        String protocol = exchange.getRequestHeaders().getFirst("Git-Protocol");
        if (protocol != null) {
            env.put("GIT_PROTOCOL", protocol);
        }
        Process process = builder.start();
        Thread feeder = new Thread(
                () -> {
                    try (OutputStream in = process.getOutputStream();
                            InputStream body = exchange.getRequestBody()) {
                        body.transferTo(in);
                    } catch (IOException e) {
                        // the backend stopped reading: its answer says why
                    }
                },
                "git-http-request-body");
        feeder.setDaemon(true);
        feeder.start();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        Thread drain = new Thread(
                () -> {
                    try (InputStream err = process.getErrorStream()) {
                        err.transferTo(errors);
                    } catch (IOException e) {
                        // gone with the process
                    }
                },
                "git-http-backend-stderr");
        drain.setDaemon(true);
        drain.start();

        InputStream out = process.getInputStream();
        int status = 200;
        String header;
        while ((header = readHeaderLine(out)) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).strip();
            String value = header.substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                exchange.getResponseHeaders().add(name, value);
            }
        }
        boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : 0);
        if (!head) {
            try (OutputStream response = exchange.getResponseBody()) {
                out.transferTo(response);
            }
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        return status;
    }

    private static String readHeaderLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** {@code /org/repo.git/info/refs} -> {@code org/repo}. */
    private static String repositoryName(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        int git = trimmed.indexOf(".git/");
        if (git >= 0) {
            return trimmed.substring(0, git);
        }
        if (trimmed.endsWith(".git")) {
            return trimmed.substring(0, trimmed.length() - 4);
        }
        int slash = trimmed.indexOf('/');
        return slash < 0 ? trimmed : trimmed.substring(0, slash);
    }

    private Path repositoryDirectory(String name) {
        Path dir = root.resolve(name + ".git").normalize();
        if (!dir.startsWith(root)) {
            throw new IllegalArgumentException("repository name '" + name + "' leaves the server's directory");
        }
        return dir;
    }

    private static List<String> findBackend() {
        Path cgi = Path.of("/usr/lib/git-core/git-http-backend");
        if (Files.isExecutable(cgi)) {
            return List.of(cgi.toString());
        }
        return List.of("git", "http-backend");
    }

    // ---- local git -------------------------------------------------------------------------------------------

    private record Result(int exitCode, String output) {}

    private static String git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Result result = run(dir, command);
        if (result.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + result.output);
        }
        return result.output;
    }

    private static Result run(Path dir, List<String> command) {
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Path copyTree(Path source) {
        try {
            Path target = Files.createTempDirectory(root.getParent(), "seed");
            try (var paths = Files.walk(source)) {
                for (Path path : paths.toList()) {
                    Path copy = target.resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(path, copy);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
