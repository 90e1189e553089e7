package dev.forgeline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** How the ACL table of docs/security.md is read: every backticked name is a topic, the one in parentheses a group. */
class KafkaAclTableTest {

    @Test
    void readsTopicsGroupAndWritesOfEachRowUntilTheTableEnds() {
        List<KafkaAclTable.Row> rows = KafkaAclTable.parse(String.join(
                "\n",
                "text before",
                "| principal | reads (group) | writes |",
                "|---|---|---|",
                "| planner | `tasks.lifecycle`, `review.outcomes` (`planner-service`) | `tasks.ready` |",
                "| worker | nothing: leases come over the lease feed | `worker.heartbeats`, `tasks.results` |",
                "",
                "| other | table | `not.read` |"));

        assertThat(rows)
                .containsExactly(
                        new KafkaAclTable.Row(
                                "planner",
                                Set.of("forgeline.tasks.lifecycle", "forgeline.review.outcomes"),
                                Optional.of("planner-service"),
                                Set.of("forgeline.tasks.ready")),
                        new KafkaAclTable.Row(
                                "worker",
                                Set.of(),
                                Optional.empty(),
                                Set.of("forgeline.worker.heartbeats", "forgeline.tasks.results")));
        assertThat(rows.get(0).aclBindings()).hasSize(4);
    }

    @Test
    void aRowThatReadsWithoutAGroupOrATableThatIsMissingIsAnError() {
        assertThatThrownBy(() -> KafkaAclTable.parse(String.join(
                        "\n",
                        "| principal | reads (group) | writes |",
                        "|---|---|---|",
                        "| planner | `tasks.lifecycle` | `tasks.ready` |")))
                .hasMessageContaining("planner reads topics but names no consumer group");
        assertThatThrownBy(() -> KafkaAclTable.parse("no table here")).hasMessageContaining("no ACL table");
    }
}
