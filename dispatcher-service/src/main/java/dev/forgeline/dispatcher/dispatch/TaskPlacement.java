package dev.forgeline.dispatcher.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.forgeline.dispatcher.repository.NodeRepository.FreeNode;
import dev.forgeline.dispatcher.repository.TaskRepository.DispatchableTask;

/**
 * Chooses a node for each task of a dispatch round, in the tasks' order. A task fits a node when every placement
 * requirement of the task ({@code requires}; its labels are metadata and play no part) is a label of the node with
 * the same value, and its agent profile (when it names one) is among the node's
 * profiles or the node lists none. Among the fitting nodes the one with the most free slots left wins (the first
 * by name on a tie), which spreads work over nodes instead of filling one after another.
 */
public final class TaskPlacement {
    /** A task and the node it goes to. */
    public record Placement(DispatchableTask task, String nodeName) {}

    private TaskPlacement() {}

    public static List<Placement> place(List<DispatchableTask> tasks, List<FreeNode> nodes) {
        int[] free = new int[nodes.size()];
        int remaining = 0;
        for (int i = 0; i < free.length; i++) {
            free[i] = Math.max(0, nodes.get(i).freeSlots());
            remaining += free[i];
        }
        List<Placement> placements = new ArrayList<>(Math.min(tasks.size(), remaining));
        for (DispatchableTask task : tasks) {
            if (remaining == 0) {
                break;
            }
            int best = -1;
            for (int i = 0; i < free.length; i++) {
                if (free[i] > 0 && (best < 0 || free[i] > free[best]) && fits(task, nodes.get(i))) {
                    best = i;
                }
            }
            if (best >= 0) {
                free[best]--;
                remaining--;
                placements.add(new Placement(task, nodes.get(best).name()));
            }
        }
        return placements;
    }

    static boolean fits(DispatchableTask task, FreeNode node) {
        for (Map.Entry<String, String> requirement : task.requires().entrySet()) {
            if (!requirement.getValue().equals(node.labels().get(requirement.getKey()))) {
                return false;
            }
        }
        String profile = task.effectiveProfile();
        return profile == null
                || node.agentProfiles().isEmpty()
                || node.agentProfiles().contains(profile);
    }
}
