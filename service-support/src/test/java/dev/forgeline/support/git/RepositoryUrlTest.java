package dev.forgeline.support.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RepositoryUrlTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            https://github.com/org/repo.git        | https://github.com/org/repo.git         | HTTPS | github.com     | github.com/org/repo.git
            HTTPS://GitHub.COM/org/repo/           | https://github.com/org/repo             | HTTPS | github.com     | github.com/org/repo
            http://127.0.0.1:8080/a/b.git          | http://127.0.0.1:8080/a/b.git           | HTTP  | 127.0.0.1      | 127.0.0.1:8080/a/b.git
            ssh://git@gitlab.example.com:2222/g/r  | ssh://git@gitlab.example.com:2222/g/r   | SSH   | gitlab.example.com | gitlab.example.com:2222/g/r
            git@github.com:org/repo.git            | git@github.com:org/repo.git             | SSH   | github.com     | github.com/org/repo.git
            git.example.com:repos/tool             | git.example.com:repos/tool              | SSH   | git.example.com | git.example.com/repos/tool
            git://git.kernel.org/pub/git.git       | git://git.kernel.org/pub/git.git        | GIT   | git.kernel.org | git.kernel.org/pub/git.git
            file:///srv/git/repo.git               | file:///srv/git/repo.git                | FILE  | ''             | /srv/git/repo.git
            file://localhost/srv/git/repo          | file:///srv/git/repo                    | FILE  | ''             | /srv/git/repo
            /srv/git/../git/repo/                  | file:///srv/git/repo                    | FILE  | ''             | /srv/git/repo
            https://[::1]:9000/r.git               | https://[::1]:9000/r.git                | HTTPS | [::1]          | [::1]:9000/r.git
            """)
    void acceptedForms(String input, String normalised, RepositoryUrl.Scheme scheme, String host, String display) {
        RepositoryUrl url = RepositoryUrl.parse(input, true);

        assertThat(url.toString()).isEqualTo(normalised);
        assertThat(url.scheme()).isEqualTo(scheme);
        assertThat(url.host()).isEqualTo(host);
        assertThat(url.display()).isEqualTo(display);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            https://user:s3cr3t-token@github.com/org/repo.git | password or token
            https://ghp_abcdef@github.com/org/repo.git        | user name ('...@'), which is often a token
            ssh://git:pw@host/repo                            | password or token
            ftp://host/repo.git                               | scheme 'ftp' is not supported
            ext::sh -c touch% /tmp/pwned                      | contains a space
            ext::ssh-evil                                     | transport 'ext::' is not allowed
            -uhttps://host/x                                  | must not start with '-'
            https://github.com                                | names no repository path
            https://github.com/                               | names no repository path
            https://github.com/org/repo?x=1                   | must not have a query
            https://github.com/org/repo#main                  | must not have a fragment
            https://bad_host!/repo                            | no host (or an invalid one)
            https://host:0/repo                               | out of range
            https://host/a/../b                               | '..' segments
            git://user@host/repo                              | a git:// URL has no user
            file://otherhost/srv/repo                         | not host 'otherhost'
            host:                                             | names no repository path
            ""                                                | empty
            """)
    void refusedForms(String input, String message) {
        assertThatThrownBy(() -> RepositoryUrl.parse(input, true))
                .isInstanceOf(InvalidRepositoryUrlException.class)
                .hasMessageContaining(message)
                .message()
                .doesNotContain("s3cr3t", "ghp_abcdef");
    }

    @Test
    void aRelativePathBecomesTheFileUrlOfItsAbsolutePath() {
        RepositoryUrl url = RepositoryUrl.parse("some/repo", true);

        Path expected = Path.of("some/repo").toAbsolutePath().normalize();
        assertThat(url.toString()).isEqualTo("file://" + expected);
        assertThat(url.localPath()).contains(expected);
        assertThat(url.isLocal()).isTrue();
        assertThat(url.name()).isEqualTo("repo");
    }

    @Test
    void localRepositoriesOnlyWhereAllowed() {
        for (String local : new String[] {"/srv/git/repo", "./repo", "file:///srv/git/repo"}) {
            assertThatThrownBy(() -> RepositoryUrl.parse(local, false))
                    .isInstanceOf(InvalidRepositoryUrlException.class)
                    .hasMessageContaining("local repositories (a path or file:// URL) are not allowed here");
        }
        assertThat(RepositoryUrl.parse("https://github.com/org/repo", false).isLocal())
                .isFalse();
    }

    @Test
    void equalAddressesAfterNormalisation() {
        assertThat(RepositoryUrl.parse("https://GitHub.com/org/repo/", false))
                .isEqualTo(RepositoryUrl.parse("https://github.com/org/repo", false));
        assertThat(RepositoryUrl.parse("git@github.com:org/repo.git", false).name())
                .isEqualTo("repo");
        assertThat(RepositoryUrl.parse("git@github.com:org/repo.git", false).user())
                .contains("git");
    }
}
