package dev.forgeline.stack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.forgeline.support.auth.ApiToken;
import dev.forgeline.support.auth.Roles;
import dev.forgeline.support.auth.TokenStore;

/**
 * {@code ./forgeline token create NAME --role ROLE[,ROLE] [--project P] [--node NODE] | list | revoke ID|NAME
 * [--file TOKENS]}: manages the Forgeline API tokens of a token store (default: the local stack's, {@code
 * .forgeline/stack/tokens}; in a deployment, a copy of the tokens Secret). A new token is printed once and never
 * again: the store keeps only its hash. A revocation takes effect at the services' next request.
 */
public final class TokenCommand {
    static final String USAGE = "usage: ./forgeline token create NAME --role ROLE[,ROLE...] [--project PROJECT]"
            + " [--node NODE] | list | revoke ID|NAME   [--file TOKENS_FILE]\n  roles: " + String.join(", ", Roles.ALL);

    private TokenCommand() {}

    public static int run(Path home, List<String> args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>();
        List<String> roles = new ArrayList<>();
        List<String> projects = new ArrayList<>();
        String node = null;
        Path file = home.resolve(".forgeline/stack").resolve(LocalStack.TOKENS_FILE);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            boolean option =
                    arg.equals("--role") || arg.equals("--project") || arg.equals("--node") || arg.equals("--file");
            if (option && i + 1 >= args.size()) {
                err.println("error: " + arg + " needs a value");
                err.println(USAGE);
                return 2;
            }
            switch (arg) {
                case "--role" -> roles.addAll(Arrays.asList(args.get(++i).split(",")));
                case "--project" -> projects.addAll(Arrays.asList(args.get(++i).split(",")));
                case "--node" -> node = args.get(++i);
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
                    TokenStore.Created created = store.create(rest.get(1), roles, projects, node);
                    out.println("token " + created.token().id() + " for "
                            + created.token().name() + " ("
                            + String.join(",", created.token().roles()) + "), kept in " + file);
                    out.println("copy it now, it is not shown again:");
                    out.println(created.secret());
                    return 0;
                }
                case "list" -> {
                    out.printf(
                            "%-12s %-24s %-28s %-10s %-24s %s%n",
                            "ID", "NAME", "ROLES", "PROJECTS", "CREATED", "REVOKED");
                    for (ApiToken t : store.list()) {
                        out.printf(
                                "%-12s %-24s %-28s %-10s %-24s %s%n",
                                t.id(),
                                t.name(),
                                String.join(",", t.roles()),
                                String.join(",", t.projects()),
                                t.created(),
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

    public static void main(String[] args) {
        System.exit(run(Path.of(System.getProperty("forgeline.home", ".")), List.of(args), System.out, System.err));
    }
}
