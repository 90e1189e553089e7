package dev.forgeline.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.forgeline.support.git.GitRunner;
import dev.forgeline.support.git.RepositoryUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's scratch repository: bare, reachable by its file:// URL like a hosted one. */
class ScratchRepositoryTest {
    @TempDir
    Path temp;

    @Test
    void aFolderBecomesABareRepositoryWhoseUrlClonesAndWhoseLogReadsFromItself() throws Exception {
        Path source = temp.resolve("source");
        Files.createDirectories(source.resolve("lib"));
        Files.writeString(source.resolve("lib/a.sh"), "echo a\n");

        Path bare = ScratchRepository.create(source, temp.resolve("demo/repo.git"));
        GitRunner git = new GitRunner(GitRunner.Settings.defaults());

        assertThat(git.run(bare, "rev-parse", "--is-bare-repository").out()).isEqualTo("true");
        assertThat(temp.resolve("demo/repo.git.seed")).doesNotExist();
        String url = ScratchRepository.url(bare);
        assertThat(url).isEqualTo("file://" + bare);
        assertThat(ScratchRepository.log(bare)).matches("[0-9a-f]{7,} Initial import");

        Path mirror = temp.resolve("mirror.git");
        git.cloneOrFetch(RepositoryUrl.parse(url, true), mirror);
        assertThat(git.run(mirror, "show", "refs/remotes/origin/main:lib/a.sh").out())
                .isEqualTo("echo a");
    }
}
