package dev.forgeline.dispatcher.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.forgeline.dispatcher.repository.NodeRepository.Offering;

/**
 * Which of a task's placement requirements no node offers: the same rule as the dispatch round (every requirement a
 * label of the node with the same value; the agent profile, when the task names one, among the node's profiles, or
 * the node lists none), turned round to name what is missing.
 */
public final class PlacementCheck {
    private PlacementCheck() {}

    /** Whether the node offers every requirement and the profile. */
    public static boolean offers(Offering node, Map<String, String> requires, String profile) {
        for (Map.Entry<String, String> requirement : requires.entrySet()) {
            if (!requirement.getValue().equals(node.labels().get(requirement.getKey()))) {
                return false;
            }
        }
        return profile == null
                || node.agentProfiles().isEmpty()
                || node.agentProfiles().contains(profile);
    }

    /**
     * What none of {@code nodes} offers: each requirement ({@code key=value}) and the profile ({@code profile=name})
     * that no node offers at all, or, when each is offered somewhere but no node offers them together, all of them
     * as one item. Empty when some node offers everything.
     */
    public static List<String> unmet(Map<String, String> requires, String profile, List<Offering> nodes) {
        if (nodes.stream().anyMatch(n -> offers(n, requires, profile))) {
            return List.of();
        }
        List<String> unmet = new ArrayList<>();
        for (Map.Entry<String, String> requirement : new TreeMap<>(requires).entrySet()) {
            Map<String, String> one = Map.of(requirement.getKey(), requirement.getValue());
            if (nodes.stream().noneMatch(n -> offers(n, one, null))) {
                unmet.add(requirement.getKey() + "=" + requirement.getValue());
            }
        }
        if (profile != null && nodes.stream().noneMatch(n -> offers(n, Map.of(), profile))) {
            unmet.add("profile=" + profile);
        }
        if (unmet.isEmpty()) {
            List<String> all = new ArrayList<>();
            new TreeMap<>(requires).forEach((k, v) -> all.add(k + "=" + v));
            if (profile != null) {
                all.add("profile=" + profile);
            }
            unmet.add(String.join(" and ", all) + " together");
        }
        return unmet;
    }
}
