package dev.forgeline.support.git;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The address of a git repository, checked and normalised: {@code https://}, {@code http://}, {@code ssh://},
 * scp-style {@code user@host:path}, {@code git://} and {@code file://}. A bare local path is accepted only where
 * the caller allows local repositories, and becomes the {@code file://} URL of its absolute path. Credentials
 * never come from the address: a password or token in it is refused, so {@link #toString()} never holds one.
 */
public final class RepositoryUrl {
    /** Transports Forgeline speaks; everything else ({@code ext::}, {@code fd::}, ftp, ...) is refused. */
    public enum Scheme {
        HTTPS,
        HTTP,
        SSH,
        GIT,
        FILE;

        String prefix() {
            return name().toLowerCase(Locale.ROOT) + "://";
        }
    }

    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", Pattern.DOTALL);
    private static final Pattern SCP =
            Pattern.compile("^(?:([^@/:\\s]+)@)?([^@/:\\s\\[\\]]+|\\[[0-9A-Fa-f:.]+]):(.*)$");
    private static final Pattern HOST_NAME =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._~-]+");

    private final Scheme scheme;
    private final String user;
    private final String host;
    private final int port;
    private final String path;
    private final boolean scpStyle;
    private final String text;

    private RepositoryUrl(Scheme scheme, String user, String host, int port, String path, boolean scpStyle) {
        this.scheme = scheme;
        this.user = user;
        this.host = host;
        this.port = port;
        this.path = path;
        this.scpStyle = scpStyle;
        this.text = render();
    }

    /**
     * Reads a repository address.
     *
     * @param allowLocalPaths whether {@code file://} URLs and bare local paths are accepted (a one-machine
     *                        stack); a service reachable by others should not let a request read its filesystem
     * @throws InvalidRepositoryUrlException naming what is wrong with the address
     */
    public static RepositoryUrl parse(String text, boolean allowLocalPaths) {
        if (text == null || text.isBlank()) {
            throw new InvalidRepositoryUrlException("the repository address is empty");
        }
        String value = text.strip();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                throw new InvalidRepositoryUrlException("the repository address contains a "
                        + (Character.isWhitespace(c) ? "space" : "control character") + " at position " + (i + 1));
            }
        }
        if (value.startsWith("-")) {
            throw new InvalidRepositoryUrlException("a repository address must not start with '-'");
        }
        if (value.matches("^[A-Za-z0-9+.-]*::.*")) {
            throw new InvalidRepositoryUrlException("transport '" + value.substring(0, value.indexOf("::"))
                    + "::' is not allowed; use https://, ssh://, git:// or file://");
        }
        Matcher schemed = SCHEME.matcher(value);
        if (schemed.matches()) {
            return parseUrl(value, schemed.group(1).toLowerCase(Locale.ROOT), allowLocalPaths);
        }
        Matcher scp = SCP.matcher(value);
        if (scp.matches() && !looksLikeLocalPath(value)) {
            return parseScp(scp);
        }
        return parseLocalPath(value, allowLocalPaths);
    }

    private static boolean looksLikeLocalPath(String value) {
        // git itself treats a colon after a slash as part of a path ("./a:b")
        int colon = value.indexOf(':');
        int slash = value.indexOf('/');
        return slash >= 0 && slash < colon;
    }

    private static RepositoryUrl parseUrl(String value, String schemeName, boolean allowLocalPaths) {
        Scheme scheme;
        try {
            scheme = Scheme.valueOf(schemeName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRepositoryUrlException(
                    "scheme '" + schemeName + "' is not supported; use https://, http://, ssh://, git:// or file://");
        }
        if (scheme == Scheme.FILE) {
            if (!allowLocalPaths) {
                throw localNotAllowed();
            }
            return fileUrl(value);
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new InvalidRepositoryUrlException("'" + mask(value) + "' is not a valid URL: " + e.getReason());
        }
        if (uri.getRawQuery() != null) {
            throw new InvalidRepositoryUrlException("a repository URL must not have a query ('?...')");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidRepositoryUrlException("a repository URL must not have a fragment ('#...')");
        }
        String userInfo = uri.getRawUserInfo();
        String user = null;
        if (userInfo != null) {
            if (userInfo.contains(":")) {
                throw new InvalidRepositoryUrlException(
                        "the URL carries a password or token; credentials come from forgeline.git.hosts.\"<host>\" "
                                + "(a token file or an SSH key), never from the repository address");
            }
            if (scheme == Scheme.HTTPS || scheme == Scheme.HTTP) {
                throw new InvalidRepositoryUrlException("the URL carries a user name ('...@'), which is often a token"
                        + "; set the user name with forgeline.git.hosts.\"<host>\".username instead");
            }
            if (scheme == Scheme.GIT) {
                throw new InvalidRepositoryUrlException("a git:// URL has no user");
            }
            if (!USER.matcher(userInfo).matches()) {
                throw new InvalidRepositoryUrlException(
                        "user '" + userInfo + "' has characters a user name cannot have");
            }
            user = userInfo;
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new InvalidRepositoryUrlException("the URL has no host (or an invalid one): " + mask(value));
        }
        host = checkHost(host);
        int port = uri.getPort();
        if (port == 0 || port > 65535) {
            throw new InvalidRepositoryUrlException("port " + port + " is out of range 1-65535");
        }
        String path = uri.getRawPath();
        path = path == null ? "" : path.replaceAll("/+$", "");
        if (path.isEmpty() || path.equals("/")) {
            throw new InvalidRepositoryUrlException("the URL names no repository path after the host");
        }
        if (path.contains("/../") || path.endsWith("/..") || path.contains("/./")) {
            throw new InvalidRepositoryUrlException("the repository path must not contain '.' or '..' segments");
        }
        return new RepositoryUrl(scheme, user, host, port, path.replaceAll("//+", "/"), false);
    }

    private static RepositoryUrl parseScp(Matcher scp) {
        String user = scp.group(1);
        if (user != null && !USER.matcher(user).matches()) {
            throw new InvalidRepositoryUrlException("user '" + user + "' has characters a user name cannot have");
        }
        String host = scp.group(2);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        host = checkHost(host);
        String path = scp.group(3).replaceAll("/+$", "");
        if (path.isEmpty()) {
            throw new InvalidRepositoryUrlException("the address names no repository path after '" + host + ":'");
        }
        if (path.startsWith("-")) {
            throw new InvalidRepositoryUrlException("the repository path must not start with '-'");
        }
        return new RepositoryUrl(Scheme.SSH, user, host, -1, path, true);
    }

    private static RepositoryUrl fileUrl(String value) {
        String rest = value.substring("file://".length());
        if (!rest.startsWith("/")) {
            String host = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
            if (!host.equalsIgnoreCase("localhost")) {
                throw new InvalidRepositoryUrlException(
                        "a file:// URL names a path on this machine (file:///path), not host '" + host + "'");
            }
            rest = rest.substring(host.length());
        }
        String decoded;
        try {
            decoded = URI.create("file://" + rest).getPath();
        } catch (IllegalArgumentException e) {
            decoded = rest;
        }
        return local(decoded);
    }

    private static RepositoryUrl parseLocalPath(String value, boolean allowLocalPaths) {
        if (value.contains(":") && !value.startsWith("/") && !value.startsWith(".")) {
            throw new InvalidRepositoryUrlException(
                    "'" + mask(value) + "' is neither a URL (https://, ssh://, git://, file://) nor host:path");
        }
        if (!allowLocalPaths) {
            throw localNotAllowed();
        }
        return local(value);
    }

    private static RepositoryUrl local(String pathText) {
        Path path;
        try {
            path = Path.of(pathText).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new InvalidRepositoryUrlException("'" + pathText + "' is not a valid path");
        }
        String absolute = path.toString();
        if (absolute.length() > 1 && absolute.endsWith("/")) {
            absolute = absolute.substring(0, absolute.length() - 1);
        }
        return new RepositoryUrl(Scheme.FILE, null, "", -1, absolute, false);
    }

    private static String checkHost(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.startsWith("[") && lower.endsWith("]")) {
            return lower;
        }
        if (lower.contains(":")) {
            return "[" + lower + "]";
        }
        if (!HOST_NAME.matcher(lower).matches()) {
            throw new InvalidRepositoryUrlException("host '" + host + "' is not a valid host name");
        }
        return lower;
    }

    private static InvalidRepositoryUrlException localNotAllowed() {
        return new InvalidRepositoryUrlException("local repositories (a path or file:// URL) are not allowed here; "
                + "use a URL the services can reach (https://, ssh://, git://)");
    }

    /** An address with its userinfo hidden, for messages about text that was refused. */
    static String mask(String value) {
        return value.replaceAll("(://)[^/@\\s]*@", "$1***@");
    }

    private String render() {
        if (scheme == Scheme.FILE) {
            return "file://" + path.replace("%", "%25").replace(" ", "%20");
        }
        String userPart = user == null ? "" : user + "@";
        if (scpStyle) {
            return userPart + host + ":" + path;
        }
        return scheme.prefix() + userPart + host + (port < 0 ? "" : ":" + port) + path;
    }

    public Scheme scheme() {
        return scheme;
    }

    /** The host, lower case, for credential lookup; empty for a local repository. */
    public String host() {
        return host;
    }

    /** The port given in the URL, or empty for the scheme's default. */
    public Optional<Integer> port() {
        return port < 0 ? Optional.empty() : Optional.of(port);
    }

    /** The SSH user of an {@code ssh://} or scp-style address, if it names one. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** The path on the host (on this machine for a local repository). */
    public String path() {
        return path;
    }

    public boolean isLocal() {
        return scheme == Scheme.FILE;
    }

    /** The directory of a local repository. */
    public Optional<Path> localPath() {
        return isLocal() ? Optional.of(Path.of(path)) : Optional.empty();
    }

    /**
     * How the repository is shown to people: host and path without scheme or user ({@code github.com/org/repo}),
     * the path for a local repository.
     */
    public String display() {
        if (isLocal()) {
            return path;
        }
        String p = path.startsWith("/") ? path : "/" + path;
        return host + (port < 0 ? "" : ":" + port) + p;
    }

    /** A short name for directories (mirror names): the last path segment without {@code .git}. */
    public String name() {
        String trimmed = path.replaceAll("/+$", "");
        String last = trimmed.substring(trimmed.lastIndexOf('/') + 1).replaceAll("\\.git$", "");
        String safe = last.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "repository" : safe;
    }

    /** The normalised address, as handed to git; it never holds a credential. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepositoryUrl other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text);
    }
}
