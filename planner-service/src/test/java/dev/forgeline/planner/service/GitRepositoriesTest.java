package dev.forgeline.planner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.forgeline.planner.GitFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRepositoriesTest {
    private final GitRepositories git = new GitRepositories();

    @Test
    void aRepositoryWithItsBranches(@TempDir Path dir) {
        Path repo = GitFixture.repository(dir.resolve("repo"));

        assertThat(git.isRepository(repo)).isTrue();
        assertThat(git.hasBranch(repo, "main")).isTrue();
        assertThat(git.hasBranch(repo, "develop")).isFalse();
    }

    @Test
    void aPlainDirectoryIsNotARepositoryEvenInsideOne(@TempDir Path dir) throws Exception {
        Path repo = GitFixture.repository(dir.resolve("repo"));
        Path inside = Files.createDirectories(repo.resolve("src"));

        assertThat(git.isRepository(Files.createDirectories(dir.resolve("plain"))))
                .isFalse();
        assertThat(git.isRepository(inside)).isFalse();
    }
}
