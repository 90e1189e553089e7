package dev.forgeline.review.analysis;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The review rules of one repository: read from {@link #FILE} on its base branch (never from the task branch,
 * so a task cannot relax the rules that judge it), with these defaults for every key the file does not set.
 *
 * @param problems keys of the file that could not be used (the default applies), shown among the reasons
 */
public record ReviewRules(
        int autoMergeMaxLines,
        String verifyCommand,
        String lintCommand,
        int commandTimeoutSeconds,
        Pattern testPaths,
        Pattern knownPaths,
        Pattern buildFiles,
        Pattern apiPaths,
        Pattern apiContent,
        Pattern securityPaths,
        Pattern securityContent,
        Pattern dataModelPaths,
        Pattern dataModelContent,
        Pattern architecturePaths,
        int levelNewModule,
        int levelApi,
        int levelSecurity,
        int levelDataModel,
        int levelArchitecture,
        int levelWeakenedVerification,
        int levelUnknownFile,
        List<String> problems) {

    public ReviewRules {
        problems = List.copyOf(problems);
    }

    /** Where a repository keeps its rules. */
    public static final String FILE = ".forgeline/review-rules.properties";

    public static final String DEFAULT_TEST_PATHS =
            "(^|/)(src/test|tests?|__tests__|spec|testdata)/|(Test|Tests|IT|Spec)\\.(java|kt|scala|groovy)$"
                    + "|(_test|_spec)\\.[a-z]+$|\\.(test|spec)\\.[jt]sx?$|(^|/)test_[^/]*\\.py$";
    public static final String DEFAULT_KNOWN_PATHS =
            "(?i)\\.(java|kt|kts|scala|groovy|py|js|jsx|mjs|ts|tsx|go|rs|rb|c|h|cc|cpp|hpp|cs|swift|php|sh|bash"
                    + "|md|txt|adoc|rst|properties|ya?ml|json|toml|xml|html|css|scss|sql|gradle|csv|ini|cfg|conf"
                    + "|svg|png|jpe?g|gif|lock|mod|sum|tf|proto|avsc|avdl|graphqls?|editorconfig|gitignore)$"
                    + "|(^|/)(README|LICENSE|NOTICE|CHANGELOG|Makefile|Dockerfile|Jenkinsfile|Procfile|Gemfile)[^/]*$"
                    + "|(^|/)\\.[a-z]+rc(\\.[a-z]+)?$|(^|/)mvnw(\\.cmd)?$|(^|/)gradlew(\\.bat)?$";
    public static final String DEFAULT_BUILD_FILES =
            "(^|/)(pom\\.xml|build\\.gradle(\\.kts)?|settings\\.gradle(\\.kts)?|package\\.json|go\\.mod|Cargo\\.toml"
                    + "|pyproject\\.toml|setup\\.py|build\\.sbt|CMakeLists\\.txt|Gemfile|composer\\.json)$";
    public static final String DEFAULT_API_PATHS =
            "(Resource|Controller|Endpoint)\\.(java|kt)$|\\.(proto|avsc|avdl|graphqls?)$"
                    + "|(^|/)(openapi|swagger|asyncapi)[^/]*\\.(ya?ml|json)$|\\.schema\\.json$|(^|/)schemas?/[^/]*\\.json$";
    public static final String DEFAULT_API_CONTENT =
            "@(Path|GET|POST|PUT|DELETE|PATCH|RestController|Controller|GetMapping|PostMapping|PutMapping"
                    + "|DeleteMapping|PatchMapping|RequestMapping)\\b|\\b(app|router)\\.(get|post|put|delete|patch)\\(";
    public static final String DEFAULT_SECURITY_PATHS =
            "(?i)(^|[/_.-])(auth|authn|authz|authentication|authorization|security|crypto|cipher|secrets?|permissions?"
                    + "|passwords?|credentials?|oauth|oidc|jwt|acl|rbac|keystore|truststore|sudoers)"
                    + "|\\.(pem|key|p12|pfx|jks|keystore|crt)$";
    public static final String DEFAULT_SECURITY_CONTENT =
            "(?i)(javax\\.crypto|java\\.security\\.|MessageDigest|Cipher\\.getInstance|SecretKey|KeyStore|SecureRandom"
                    + "|bcrypt|scrypt|argon2|pbkdf2|hashlib|@RolesAllowed|@PermitAll|@DenyAll|@Authenticated"
                    + "|SecurityIdentity|SecurityContext|\\bjwt\\b|oauth|chmod\\s|setPosixFilePermissions|sudo\\s"
                    + "|-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}"
                    + "|(password|passwd|secret|api[_-]?key|access[_-]?token)\\s*[:=]\\s*[\"'][^\"']{4,})";
    public static final String DEFAULT_DATA_MODEL_PATHS =
            "(?i)(^|/)(db/migration|migrations?|changelog|liquibase|flyway|entity|entities)/|\\.sql$"
                    + "|(^|/)schema\\.(prisma|graphql|rb)$|Entity\\.(java|kt)$|(^|/)models\\.py$";
    public static final String DEFAULT_DATA_MODEL_CONTENT =
            "@([\\w.]+\\.)?(Entity|Table|Embeddable|Column|JoinColumn|OneToOne|OneToMany|ManyToOne|ManyToMany)\\b|(?i)\\b(CREATE|ALTER|DROP)\\s+TABLE\\b|models\\.Model\\b|db\\.Model\\b";
    public static final String DEFAULT_ARCHITECTURE_PATHS = DEFAULT_BUILD_FILES
            + "|(^|/)(k8s|kubernetes|deploy|deployment|helm|charts|terraform|\\.github/workflows|\\.circleci)/"
            + "|(^|/)(Dockerfile[^/]*|docker-compose[^/]*\\.ya?ml|kustomization\\.ya?ml|Chart\\.yaml"
            + "|\\.gitlab-ci\\.yml|Jenkinsfile|Procfile)$|\\.tf$|(^|/)\\.forgeline/review-rules\\.properties$";

    /** These rules with one more problem. */
    public ReviewRules withProblem(String problem) {
        List<String> more = new ArrayList<>(problems);
        more.add(problem);
        return new ReviewRules(
                autoMergeMaxLines,
                verifyCommand,
                lintCommand,
                commandTimeoutSeconds,
                testPaths,
                knownPaths,
                buildFiles,
                apiPaths,
                apiContent,
                securityPaths,
                securityContent,
                dataModelPaths,
                dataModelContent,
                architecturePaths,
                levelNewModule,
                levelApi,
                levelSecurity,
                levelDataModel,
                levelArchitecture,
                levelWeakenedVerification,
                levelUnknownFile,
                more);
    }

    /** The rules when a repository has no rules file. */
    public static ReviewRules defaults(int autoMergeMaxLines) {
        return parse("", autoMergeMaxLines);
    }

    /** Rules from the text of a rules file; unusable entries keep their default and are listed in problems. */
    public static ReviewRules parse(String text, int defaultAutoMergeMaxLines) {
        Properties p = new Properties();
        List<String> problems = new ArrayList<>();
        try {
            p.load(new StringReader(text == null ? "" : text));
        } catch (IOException | IllegalArgumentException e) {
            problems.add(FILE + " is unreadable (" + e.getMessage() + "): defaults apply");
        }
        Reader r = new Reader(p, problems);
        return new ReviewRules(
                r.integer("auto-merge-max-lines", defaultAutoMergeMaxLines, 0, Integer.MAX_VALUE),
                r.text("verify"),
                r.text("lint"),
                r.integer("command-timeout-seconds", 600, 1, 86_400),
                r.pattern("test-paths", DEFAULT_TEST_PATHS),
                r.pattern("known-paths", DEFAULT_KNOWN_PATHS),
                r.pattern("build-files", DEFAULT_BUILD_FILES),
                r.pattern("api-paths", DEFAULT_API_PATHS),
                r.pattern("api-content", DEFAULT_API_CONTENT),
                r.pattern("security-paths", DEFAULT_SECURITY_PATHS),
                r.pattern("security-content", DEFAULT_SECURITY_CONTENT),
                r.pattern("data-model-paths", DEFAULT_DATA_MODEL_PATHS),
                r.pattern("data-model-content", DEFAULT_DATA_MODEL_CONTENT),
                r.pattern("architecture-paths", DEFAULT_ARCHITECTURE_PATHS),
                r.integer("level.new-module", 2, 0, 3),
                r.integer("level.api", 2, 0, 3),
                r.integer("level.security", 2, 0, 3),
                r.integer("level.data-model", 3, 0, 3),
                r.integer("level.architecture", 3, 0, 3),
                r.integer("level.weakened-verification", 2, 0, 3),
                r.integer("level.unknown-file", 2, 0, 3),
                problems);
    }

    private record Reader(Properties p, List<String> problems) {
        String text(String key) {
            String value = p.getProperty(key);
            return value == null || value.isBlank() ? null : value.strip();
        }

        int integer(String key, int fallback, int min, int max) {
            String value = text(key);
            if (value == null) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed >= min && parsed <= max) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            problems.add(FILE + ": " + key + "=" + value + " is not a number in " + min + ".." + max + ", default "
                    + fallback + " applies");
            return fallback;
        }

        Pattern pattern(String key, String fallback) {
            String value = text(key);
            if (value != null) {
                try {
                    return Pattern.compile(value);
                } catch (PatternSyntaxException e) {
                    problems.add(FILE + ": " + key + " is not a regular expression (" + e.getDescription()
                            + "), default applies");
                }
            }
            return Pattern.compile(fallback);
        }
    }
}
