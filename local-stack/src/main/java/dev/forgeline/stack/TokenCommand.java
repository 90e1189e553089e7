package dev.forgeline.stack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.support.auth.ApiToken;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.TokenStore;

/**
 * {@code ./forgeline token create NAME --role ROLE[,ROLE] [--project P] [--node NODE] [--expires 30d|DATE] | list |
 * revoke ID|NAME [--file TOKENS]}: manages the Forgeline API tokens of a token store (default: the local stack's, {@code
 * .forgeline/stack/tokens}; in a deployment, a copy of the tokens Secret). A new token is printed once and never
 * again: the store keeps only its hash. A revocation takes effect at the services' next request.
 */
public final class TokenCommand {
    static final String USAGE = "usage: ./forgeline token create NAME --role ROLE[,ROLE...] [--project PROJECT]"
            + " [--node NODE] [--expires 30d|12h|P30D|2027-01-31|2027-01-31T12:00:00Z] | list | revoke ID|NAME"
            + "   [--file TOKENS_FILE]\n  roles: " + String.join(", ", Roles.ALL);

    private TokenCommand() {}

    public static int run(Path home, List<String> args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>();
        List<String> roles = new ArrayList<>();
        List<String> projects = new ArrayList<>();
        String node = null;
        String expires = null;
        Path file = home.resolve(".forgeline/stack").resolve(LocalStack.TOKENS_FILE);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            boolean option = arg.equals("--role")
                    || arg.equals("--project")
                    || arg.equals("--node")
                    || arg.equals("--expires")
                    || arg.equals("--file");
            if (option && i + 1 >= args.size()) {
                err.println("error: " + arg + " needs a value");
                err.println(USAGE);
                return 2;
            }
            switch (arg) {
                case "--role" -> roles.addAll(Arrays.asList(args.get(++i).split(",")));
                case "--project" -> projects.addAll(Arrays.asList(args.get(++i).split(",")));
                case "--node" -> node = args.get(++i);
                case "--expires" -> expires = args.get(++i);
                case "--file" -> file = Path.of(args.get(++i));
                default -> {
                    if (arg.startsWith("--")) {
                        err.println("error: unknown option " + arg);
                        err.println(USAGE);
                        return 2;
                    }
                    rest.add(arg);
                }
            }
        }
        TokenStore store = new TokenStore(file);
        String action = rest.isEmpty() ? "" : rest.get(0);
        try {
            switch (action) {
                case "create" -> {
                    if (rest.size() != 2) {
                        err.println("error: token create takes one NAME");
                        err.println(USAGE);
                        return 2;
                    }
                    Instant now = Instant.now();
                    Instant expiresAt = expires == null ? null : expiry(expires, now);
                    TokenStore.Created created = store.create(rest.get(1), roles, projects, node, expiresAt);
                    out.println("token " + created.token().id() + " for "
                            + created.token().name() + " ("
                            + String.join(",", created.token().roles()) + "), kept in " + file
                            + (expiresAt == null ? "" : ", expires at " + expiresAt));
                    out.println("copy it now, it is not shown again:");
                    out.println(created.secret());
                    return 0;
                }
                case "list" -> {
                    Instant now = Instant.now();
                    out.printf(
                            "%-12s %-24s %-28s %-10s %-24s %-34s %s%n",
                            "ID", "NAME", "ROLES", "PROJECTS", "CREATED", "EXPIRES", "REVOKED");
                    for (ApiToken t : store.list()) {
                        String expiry =
                                t.expiresAt() == null ? "-" : t.expiresAt() + (t.isExpiredAt(now) ? " (expired)" : "");
                        out.printf(
                                "%-12s %-24s %-28s %-10s %-24s %-34s %s%n",
                                t.id(),
                                t.name(),
                                String.join(",", t.roles()),
                                String.join(",", t.projects()),
                                t.created(),
                                expiry,
                                t.revoked() == null ? "-" : t.revoked());
                    }
                    return 0;
                }
                case "revoke" -> {
                    if (rest.size() != 2) {
                        err.println("error: token revoke takes one ID or NAME");
                        err.println(USAGE);
                        return 2;
                    }
                    List<ApiToken> revoked = store.revoke(rest.get(1));
                    if (revoked.isEmpty()) {
                        err.println("error: no valid token has the id or name '" + rest.get(1) + "' in " + file);
                        return 1;
                    }
                    for (ApiToken t : revoked) {
                        out.println("revoked token " + t.id() + " of " + t.name());
                    }
                    return 0;
                }
                default -> {
                    err.println(action.isEmpty() ? "error: token needs an action" : "error: unknown action " + action);
                    err.println(USAGE);
                    return 2;
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }

    /**
     * When a token made now with {@code --expires text} stops working: a duration ({@code 30d}, {@code 12h},
     * {@code 45m}, or ISO-8601 such as {@code P30D}) from now, a date (the start of that day, UTC) or an instant.
     */
    static Instant expiry(String text, Instant now) {
        Matcher short_ = SHORT_DURATION.matcher(text);
        try {
            if (short_.matches()) {
                long amount = Long.parseLong(short_.group(1));
                return switch (short_.group(2)) {
                    case "d" -> now.plus(Duration.ofDays(amount));
                    case "h" -> now.plus(Duration.ofHours(amount));
                    default -> now.plus(Duration.ofMinutes(amount));
                };
            }
            if (text.startsWith("P") || text.startsWith("p")) {
                return now.plus(Duration.parse(text));
            }
            if (text.length() == 10) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("--expires '" + text + "' is neither a duration (30d, 12h, 45m, P30D)"
                    + " nor a date (2027-01-31) or instant (2027-01-31T12:00:00Z)");
        }
    }

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,6})([dhm])");

    public static void main(String[] args) {
        System.exit(run(Path.of(System.getProperty("forgeline.home", ".")), List.of(args), System.out, System.err));
    }
}
