package dev.forgeline.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import dev.forgeline.dispatcher.dispatch.PlacementCheck;
import dev.forgeline.dispatcher.dispatch.TaskPlacement;
import dev.forgeline.dispatcher.dispatch.TaskPlacement.Placement;
import dev.forgeline.dispatcher.repository.NodeRepository.FreeNode;
import dev.forgeline.dispatcher.repository.NodeRepository.Offering;
import dev.forgeline.dispatcher.repository.TaskRepository.DispatchableTask;
import org.junit.jupiter.api.Test;

/** Matching and spreading rules of a dispatch round, without a database. */
class TaskPlacementTest {

    @Test
    void taskRequirementsMustAllBeNodeLabelsWithEqualValues() {
        FreeNode linux = node("linux", 1, Map.of("os", "linux", "gpu", "yes"), Set.of());
        FreeNode mac = node("mac", 1, Map.of("os", "mac"), Set.of());
        List<Placement> placements = TaskPlacement.place(
                List.of(
                        task("T1", Map.of("os", "mac"), null),
                        task("T2", Map.of("os", "linux", "gpu", "yes"), null),
                        task("T3", Map.of("arch", "arm"), null)),
                List.of(linux, mac));
        assertThat(placements)
                .extracting(p -> p.task().taskId() + "@" + p.nodeName())
                .containsExactly("T1@mac", "T2@linux");
    }

    @Test
    void agentProfileMustBeOfferedUnlessTheNodeListsNone() {
        FreeNode codexOnly = node("a-codex", 5, Map.of(), Set.of("codex"));
        FreeNode any = node("b-any", 1, Map.of(), Set.of());
        List<Placement> placements = TaskPlacement.place(
                List.of(task("T1", Map.of(), "claude"), task("T2", Map.of(), "claude"), task("T3", Map.of(), "codex")),
                List.of(codexOnly, any));
        assertThat(placements)
                .extracting(p -> p.task().taskId() + "@" + p.nodeName())
                .containsExactly("T1@b-any", "T3@a-codex");
    }

    @Test
    void tasksSpreadOverNodesAndNeverExceedFreeSlots() {
        List<FreeNode> nodes = List.of(
                node("a", 1, Map.of(), Set.of()), node("b", 2, Map.of(), Set.of()), node("c", 3, Map.of(), Set.of()));
        List<DispatchableTask> tasks = IntStream.rangeClosed(1, 10)
                .mapToObj(i -> task("T" + i, Map.of(), null))
                .toList();
        List<Placement> placements = TaskPlacement.place(tasks, nodes);
        assertThat(placements).hasSize(6);
        assertThat(placements).filteredOn(p -> p.nodeName().equals("a")).hasSize(1);
        assertThat(placements).filteredOn(p -> p.nodeName().equals("b")).hasSize(2);
        assertThat(placements).filteredOn(p -> p.nodeName().equals("c")).hasSize(3);
        // each goes to the node with the most free slots left, the first by name on a tie
        assertThat(placements.subList(0, 3)).extracting(Placement::nodeName).containsExactly("c", "b", "c");
        assertThat(placements).extracting(p -> p.task().taskId()).doesNotHaveDuplicates();
    }

    @Test
    void placementCheckNamesWhatNoNodeOffers() {
        List<Offering> nodes = List.of(
                offering("linux", Map.of("os", "linux", "gpu", "yes"), Set.of("codex")),
                offering("mac", Map.of("os", "macos"), Set.of()));
        assertThat(PlacementCheck.unmet(Map.of("os", "macos"), null, nodes)).isEmpty();
        assertThat(PlacementCheck.unmet(Map.of("os", "windows", "arch", "arm"), null, nodes))
                .containsExactly("arch=arm", "os=windows");
        // a node listing no profiles runs any
        assertThat(PlacementCheck.unmet(Map.of("os", "macos"), "claude", nodes)).isEmpty();
        assertThat(PlacementCheck.unmet(Map.of("gpu", "yes"), "claude", nodes))
                .containsExactly("gpu=yes and profile=claude together");
        assertThat(PlacementCheck.unmet(Map.of(), "gemini", List.of(nodes.get(0))))
                .containsExactly("profile=gemini");
        assertThat(PlacementCheck.unmet(Map.of("os", "macos", "gpu", "yes"), null, nodes))
                .containsExactly("gpu=yes and os=macos together");
        assertThat(PlacementCheck.unmet(Map.of("os", "linux"), null, List.of())).containsExactly("os=linux");
    }

    private static Offering offering(String name, Map<String, String> labels, Set<String> profiles) {
        return new Offering(name, "READY", labels, profiles, List.of(), 1);
    }

    private static FreeNode node(String name, int free, Map<String, String> labels, Set<String> profiles) {
        return new FreeNode(name, free + 1, 1, labels, profiles);
    }

    private static DispatchableTask task(String id, Map<String, String> requires, String profile) {
        return new DispatchableTask("spec", id, "{}", 0, requires, profile, 60, Map.of(), null, null, null);
    }
}
