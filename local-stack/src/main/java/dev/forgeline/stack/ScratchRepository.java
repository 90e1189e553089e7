package dev.forgeline.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.RepositoryUrl;

/**
 * Makes a bare git repository with one commit on {@code main} from a folder of files (examples are plain files):
 * the services reach it by its {@code file://} URL, as they would reach a hosted repository, through the one git
 * layer.
 */
public final class ScratchRepository {
    private static final GitRunner GIT = new GitRunner(GitRunner.Settings.defaults());

    private ScratchRepository() {}

    /** @return the bare repository {@code target} */
    public static Path create(Path source, Path target) {
        if (!Files.isDirectory(source)) {
            throw new IllegalArgumentException(source + " is not a directory");
        }
        Path seed = target.resolveSibling(target.getFileName() + ".seed");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path to = seed.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source, e);
        }
        GIT.run(seed, "init", "-q", "-b", "main");
        GIT.run(seed, "add", "-A");
        GIT.run(
                seed,
                "-c",
                "user.name=Forgeline",
                "-c",
                "user.email=forgeline@localhost",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-q",
                "-m",
                "Initial import");
        GIT.run(seed.getParent(), "clone", "--bare", "-q", seed.toString(), target.toString());
        deleteRecursively(seed);
        return target.toAbsolutePath().normalize();
    }

    /** The address the services are given for a local repository. */
    public static String url(Path repository) {
        return RepositoryUrl.parse(repository.toAbsolutePath().normalize().toString(), true)
                .toString();
    }

    /** {@code git log --oneline} of {@code main}, read from the bare repository itself. */
    public static String log(Path bareRepository) {
        return GIT.run(bareRepository, "log", "--oneline", "main").out();
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }
}
