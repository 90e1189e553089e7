package dev.forgeline.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Makes a git repository with one commit on {@code main} from a folder of files (examples are plain files). */
public final class ScratchRepository {
    private ScratchRepository() {}

    public static Path create(Path source, Path target) {
        if (!Files.isDirectory(source)) {
            throw new IllegalArgumentException(source + " is not a directory");
        }
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path to = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source, e);
        }
        Git.run(target, "init", "-q", "-b", "main");
        Git.run(target, "add", "-A");
        Git.run(
                target,
                "-c",
                "user.name=Forgeline",
                "-c",
                "user.email=forgeline@localhost",
                "commit",
                "-q",
                "-m",
                "Initial import");
        return target;
    }
}
