package dev.forgeline.support.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a child process is confined when it runs under bubblewrap ({@link Bubblewrap}): the whole file system
 * read-only except its working directory and {@code writable}, a private {@code /tmp} and home, its own pid
 * namespace (and network namespace unless {@code network}), the {@code hidden} paths masked, and an environment
 * built only from an allow-list ({@link Bubblewrap#environment}).
 *
 * @param network         whether the process shares the host's network; bubblewrap can only allow all or nothing,
 *                        finer egress rules belong to a network policy or proxy outside the worker
 * @param writable        paths writable besides the working directory (for example an attempt's scratch directory)
 * @param hidden          paths masked: a directory by an empty tmpfs, a file by {@code /dev/null}; missing ones are
 *                        skipped
 * @param passEnvironment names of variables copied from the service's environment when set there (besides PATH,
 *                        LANG, LC_ALL, TZ and TERM); the request's own environment (a profile's key) is always added
 * @param readable        paths bound read-only over the masks and the private /tmp: files the service hands the
 *                        command (a prompt file, the repository a worktree belongs to) that would be hidden otherwise
 */
public record Sandbox(
        boolean network, List<Path> writable, List<Path> hidden, List<String> passEnvironment, List<Path> readable) {

    public Sandbox {
        writable = List.copyOf(writable == null ? List.of() : writable);
        hidden = List.copyOf(hidden == null ? List.of() : hidden);
        passEnvironment = List.copyOf(passEnvironment == null ? List.of() : passEnvironment);
        readable = List.copyOf(readable == null ? List.of() : readable);
    }

    /** A sandbox without network, extra writable, readable or hidden paths, or extra variables. */
    public static Sandbox isolated() {
        return new Sandbox(false, List.of(), List.of(), List.of(), List.of());
    }

    public Sandbox withNetwork(boolean network) {
        return new Sandbox(network, writable, hidden, passEnvironment, readable);
    }

    public Sandbox withWritable(List<Path> paths) {
        return new Sandbox(network, paths, hidden, passEnvironment, readable);
    }

    public Sandbox withHidden(List<Path> paths) {
        return new Sandbox(network, writable, paths, passEnvironment, readable);
    }

    public Sandbox withPassEnvironment(List<String> names) {
        return new Sandbox(network, writable, hidden, names, readable);
    }

    public Sandbox withReadable(List<Path> paths) {
        return new Sandbox(network, writable, hidden, passEnvironment, paths);
    }

    /** What a service does about sandboxing ({@code forgeline.<service>.sandbox.mode}). */
    public enum Mode {
        /** bubblewrap when it works on this machine, otherwise unsandboxed with a warning. */
        AUTO,
        /** bubblewrap or nothing: commands are refused when it does not work here. */
        REQUIRED,
        /** never sandboxed. */
        OFF;

        /** Reads {@code auto}, {@code required} or {@code off} (any case). */
        public static Mode parse(String value, String key) {
            Objects.requireNonNull(value, key);
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        key + "=" + value + " is not a sandbox mode: use auto, required or off", e);
            }
        }
    }

    /**
     * What a service decided at start: whether its commands are sandboxed, and why not when they are not.
     *
     * @param mode      the configured mode
     * @param sandboxed whether commands run under bubblewrap
     * @param refused   whether commands are refused (mode {@code required} without a working bubblewrap)
     * @param detail    one sentence for logs and status pages
     */
    public record Decision(Mode mode, boolean sandboxed, boolean refused, String detail) {

        /** Decides from the mode and whether bubblewrap works on this machine. */
        public static Decision of(Mode mode) {
            return switch (mode) {
                case OFF -> new Decision(mode, false, false, "sandbox off: commands run unconfined");
                case AUTO ->
                    Bubblewrap.available()
                            ? new Decision(mode, true, false, "sandboxed with bubblewrap")
                            : new Decision(
                                    mode,
                                    false,
                                    false,
                                    "bubblewrap (bwrap) is not available here (" + Bubblewrap.unavailableReason()
                                            + "): commands run unconfined, with the service's file system and"
                                            + " network");
                case REQUIRED ->
                    Bubblewrap.available()
                            ? new Decision(mode, true, false, "sandboxed with bubblewrap")
                            : new Decision(
                                    mode,
                                    false,
                                    true,
                                    "sandbox mode is required but bubblewrap (bwrap) is not available here ("
                                            + Bubblewrap.unavailableReason() + "): install the bubblewrap package");
            };
        }
    }
}
