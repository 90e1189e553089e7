package dev.forgeline.review.analysis;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.forgeline.support.verification.WeakenedVerification;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Reads a task's diff with JGit (base commit to task commit) and finds the surfaces the review rules care
 * about: new modules, API, security, data model, architecture, and verification the diff weakens. Pure: it
 * only reads the repository.
 */
public final class DiffAnalyzer {
    public static final int MAX_PATCH_CHARS = 200_000;

    private static final Pattern SOURCE_DIR =
            Pattern.compile("^(.*/)?src/main/(java|kotlin|scala)/(.+)/[^/]+\\.(java|kt|scala)$");
    private static final Pattern SECRET = Pattern.compile("AKIA[0-9A-Z]{16}|PRIVATE KEY");
    private static final Pattern AWS_KEY = Pattern.compile("AKIA[0-9A-Z]{16}");
    private static final Pattern ASSIGNED_SECRET =
            Pattern.compile("(?i)(password|passwd|secret|api[_-]?key|access[_-]?token)(\\s*[:=]\\s*[\"'])[^\"']+");
    private static final Pattern NEW_SOURCE_ROOT = Pattern.compile("^[^/]+/src/");
    private static final Pattern PUBLIC_DECLARATION = Pattern.compile(
            "^\\s*public\\s+(?:(?:abstract|final|sealed|static)\\s+)*(class|interface|record|enum|@interface)\\s|^\\s*public\\s+[\\w<>\\[\\], ?]+\\s+\\w+\\s*\\(");

    private DiffAnalyzer() {}

    /** Analyzes {@code baseCommit..commit} of the repository at {@code repository} (work tree or bare). */
    public static DiffAnalysis analyze(Path repository, String baseCommit, String commit, ReviewRules rules)
            throws IOException {
        try (Git git = Git.open(repository.toFile());
                RevWalk walk = new RevWalk(git.getRepository())) {
            Repository repo = git.getRepository();
            RevCommit base = walk.parseCommit(resolve(repo, baseCommit));
            RevCommit head = walk.parseCommit(resolve(repo, commit));
            return analyze(repo, base.getTree(), head.getTree(), rules);
        }
    }

    /** The rules file at {@code ref} of the repository, empty when there is none. */
    public static Optional<String> readFile(Path repository, String ref, String path) throws IOException {
        try (Git git = Git.open(repository.toFile());
                RevWalk walk = new RevWalk(git.getRepository())) {
            Repository repo = git.getRepository();
            ObjectId id = repo.resolve(ref);
            if (id == null) {
                return Optional.empty();
            }
            RevTree tree = walk.parseCommit(id).getTree();
            try (TreeWalk tw = TreeWalk.forPath(repo, path, tree)) {
                if (tw == null) {
                    return Optional.empty();
                }
                return Optional.of(new String(repo.open(tw.getObjectId(0)).getBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    private static ObjectId resolve(Repository repo, String revision) throws IOException {
        ObjectId id = repo.resolve(revision + "^{commit}");
        if (id == null) {
            throw new IOException("revision " + revision + " is not in " + repo.getDirectory());
        }
        return id;
    }

    private static DiffAnalysis analyze(Repository repo, RevTree baseTree, RevTree headTree, ReviewRules rules)
            throws IOException {
        List<FileChange> files = new ArrayList<>();
        ByteArrayOutputStream patch = new ByteArrayOutputStream();
        try (DiffFormatter formatter = new DiffFormatter(patch);
                ObjectReader reader = repo.newObjectReader()) {
            formatter.setRepository(repo);
            formatter.setDiffComparator(RawTextComparator.DEFAULT);
            formatter.setDetectRenames(true);
            List<DiffEntry> entries = formatter.scan(baseTree, headTree);
            for (DiffEntry entry : entries) {
                files.add(change(reader, formatter, entry));
                if (patch.size() < MAX_PATCH_CHARS) {
                    formatter.format(entry);
                }
            }
            formatter.flush();
        }
        Set<String> baseDirs = directories(repo, baseTree);
        String patchText = maskSecrets(patch.toString(StandardCharsets.UTF_8));
        if (patchText.length() > MAX_PATCH_CHARS) {
            patchText = patchText.substring(0, MAX_PATCH_CHARS) + "\n... (diff cut at " + MAX_PATCH_CHARS
                    + " characters)\n";
        }
        return findings(files, baseDirs, rules, patchText);
    }

    /** Surfaces of an already computed list of changes; {@code baseDirs} are the directories of the base tree. */
    static DiffAnalysis findings(List<FileChange> files, Set<String> baseDirs, ReviewRules rules, String patch) {
        Set<String> newModules = new LinkedHashSet<>();
        Set<String> api = new LinkedHashSet<>();
        Set<String> security = new LinkedHashSet<>();
        Set<String> dataModel = new LinkedHashSet<>();
        Set<String> architecture = new LinkedHashSet<>();
        Set<String> weakened = new LinkedHashSet<>();
        Set<String> unknown = new LinkedHashSet<>();
        Set<String> newTopLevel = new HashSet<>();
        int added = 0;
        int removed = 0;
        for (FileChange f : files) {
            added += f.linesAdded();
            removed += f.linesRemoved();
            String path = f.path();
            List<String> touched = new ArrayList<>(f.addedLines());
            touched.addAll(f.removedLines());
            boolean test = rules.testPaths().matcher(path).find();

            // new modules
            if (f.kind() == FileChange.Kind.ADDED
                    || f.kind() == FileChange.Kind.RENAMED
                    || f.kind() == FileChange.Kind.COPIED) {
                String dir = parent(path);
                if (f.kind() == FileChange.Kind.ADDED
                        && rules.buildFiles().matcher(path).find()) {
                    newModules.add(path + ": new build file");
                }
                String top = path.contains("/") ? path.substring(0, path.indexOf('/')) : null;
                if (top != null
                        && !baseDirs.contains(top)
                        && NEW_SOURCE_ROOT.matcher(path).find()
                        && newTopLevel.add(top)) {
                    newModules.add(top + "/: new top-level module");
                }
                Matcher source = SOURCE_DIR.matcher(path);
                if (source.matches() && !baseDirs.contains(dir) && !test) {
                    newModules.add(dir + "/: new package " + source.group(3).replace('/', '.'));
                } else if ((path.endsWith("/__init__.py") || path.equals("__init__.py"))
                        && !baseDirs.contains(dir)
                        && !test) {
                    newModules.add(dir + "/: new Python package");
                } else if (path.endsWith(".go")
                        && !path.endsWith("_test.go")
                        && !dir.isEmpty()
                        && !baseDirs.contains(dir)) {
                    newModules.add(dir + "/: new Go package");
                }
            }

            // API surface
            if (rules.apiPaths().matcher(path).find()) {
                api.add(path + ": API definition");
            } else if (!test && anyMatch(rules.apiContent(), touched)) {
                api.add(path + ": REST endpoint");
            } else if (!test && path.matches("(.*/)?api/.*") && anyMatch(PUBLIC_DECLARATION, touched)) {
                api.add(path + ": public type in an api package");
            } else if (!test && path.matches("(.*/)?api/.*") && f.kind() == FileChange.Kind.DELETED) {
                api.add(path + ": removed from an api package");
            }

            // security surface
            if (rules.securityPaths().matcher(path).find()) {
                security.add(path + ": security-sensitive path");
            } else if (anyMatch(rules.securityContent(), touched)) {
                security.add(
                        path + ": security-sensitive content (" + firstMatch(rules.securityContent(), touched) + ")");
            }

            // data model
            if (rules.dataModelPaths().matcher(path).find()) {
                dataModel.add(path + ": data model / migration");
            } else if (!test && anyMatch(rules.dataModelContent(), touched)) {
                dataModel.add(path + ": data model (" + firstMatch(rules.dataModelContent(), touched) + ")");
            }

            // architecture
            if (rules.architecturePaths().matcher(path).find()) {
                architecture.add(
                        path + (rules.buildFiles().matcher(path).find() ? ": build file" : ": deployment or pipeline"));
            }

            // weakened verification
            weakened.addAll(weakening(f, rules));

            // files the rules do not know
            if (!rules.knownPaths().matcher(path).find()) {
                unknown.add(path + (f.binary() ? ": unknown binary file" : ": unknown file type"));
            }
        }
        return new DiffAnalysis(
                files,
                added,
                removed,
                List.copyOf(newModules),
                List.copyOf(api),
                List.copyOf(security),
                List.copyOf(dataModel),
                List.copyOf(architecture),
                List.copyOf(weakened),
                List.copyOf(unknown),
                patch);
    }

    /** The verification the change of one file weakens, by the rules the worker applies to its own diff. */
    private static List<String> weakening(FileChange f, ReviewRules rules) {
        if (f.binary()) {
            return List.of();
        }
        WeakenedVerification.ChangedFile changed = new WeakenedVerification.ChangedFile(
                f.path(),
                f.oldPath(),
                f.kind() == FileChange.Kind.DELETED,
                f.addedLines(),
                f.removedLines(),
                List.of());
        return WeakenedVerification.flags(List.of(changed), rules.testPaths());
    }

    private static FileChange change(ObjectReader reader, DiffFormatter formatter, DiffEntry entry) throws IOException {
        FileChange.Kind kind = switch (entry.getChangeType()) {
            case ADD -> FileChange.Kind.ADDED;
            case DELETE -> FileChange.Kind.DELETED;
            case RENAME -> FileChange.Kind.RENAMED;
            case COPY -> FileChange.Kind.COPIED;
            case MODIFY -> FileChange.Kind.MODIFIED;
        };
        String path = kind == FileChange.Kind.DELETED ? entry.getOldPath() : entry.getNewPath();
        String oldPath = kind == FileChange.Kind.ADDED ? path : entry.getOldPath();
        byte[] oldBytes = bytes(reader, entry.getOldId());
        byte[] newBytes = bytes(reader, entry.getNewId());
        if (RawText.isBinary(oldBytes) || RawText.isBinary(newBytes)) {
            return new FileChange(path, oldPath, kind, 0, 0, true, List.of(), List.of());
        }
        RawText a = new RawText(oldBytes);
        RawText b = new RawText(newBytes);
        List<String> addedLines = new ArrayList<>();
        List<String> removedLines = new ArrayList<>();
        for (Edit edit : formatter.toFileHeader(entry).toEditList()) {
            for (int i = edit.getBeginA(); i < edit.getEndA(); i++) {
                removedLines.add(a.getString(i));
            }
            for (int i = edit.getBeginB(); i < edit.getEndB(); i++) {
                addedLines.add(b.getString(i));
            }
        }
        return new FileChange(
                path, oldPath, kind, addedLines.size(), removedLines.size(), false, addedLines, removedLines);
    }

    private static byte[] bytes(ObjectReader reader, AbbreviatedObjectId id) throws IOException {
        if (id == null || !id.isComplete() || id.toObjectId().equals(ObjectId.zeroId())) {
            return new byte[0];
        }
        return reader.open(id.toObjectId()).getBytes();
    }

    private static Set<String> directories(Repository repo, RevTree tree) throws IOException {
        Set<String> dirs = new HashSet<>();
        dirs.add("");
        try (TreeWalk walk = new TreeWalk(repo)) {
            walk.addTree(tree);
            walk.setRecursive(false);
            while (walk.next()) {
                if (walk.isSubtree()) {
                    dirs.add(walk.getPathString());
                    walk.enterSubtree();
                }
            }
        }
        return dirs;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static boolean anyMatch(Pattern pattern, List<String> lines) {
        return lines.stream().anyMatch(l -> pattern.matcher(l).find());
    }

    private static String firstMatch(Pattern pattern, List<String> lines) {
        for (String line : lines) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                String found = m.group().strip();
                // a secret's value never leaves the analysis: name only what kind of line it is
                if (SECRET.matcher(found).find() || found.contains("\"") || found.contains("'")) {
                    return "a secret-like value";
                }
                return found;
            }
        }
        return "";
    }

    /** The patch with secret-like values replaced by {@code ***}: it is stored and shown to people. */
    public static String maskSecrets(String patch) {
        StringBuilder masked = new StringBuilder();
        boolean inKey = false;
        for (String line : patch.split("\n", -1)) {
            if (line.contains("-----END") && line.contains("PRIVATE KEY-----")) {
                inKey = false;
            } else if (inKey) {
                line = line.isEmpty() ? line : line.charAt(0) + "***";
            } else if (line.contains("-----BEGIN") && line.contains("PRIVATE KEY-----")) {
                inKey = true;
            }
            line = ASSIGNED_SECRET.matcher(line).replaceAll("$1$2***");
            line = AWS_KEY.matcher(line).replaceAll("AKIA****************");
            masked.append(line).append('\n');
        }
        return masked.substring(0, Math.max(0, masked.length() - 1));
    }
}
