package dev.forgeline.dispatcher.node;

import java.util.List;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

/** Tells interested parts (the cluster scaler) about node changes, once the transaction that made them commits. */
@ApplicationScoped
public class NodeEvents {
    /** Nodes just declared DEAD. Observe with {@code @Observes(during = TransactionPhase.AFTER_SUCCESS)}. */
    public record NodesDied(List<String> names) {}

    private final Event<NodesDied> died;

    public NodeEvents(Event<NodesDied> died) {
        this.died = died;
    }

    public void nodesDied(List<String> names) {
        died.fire(new NodesDied(List.copyOf(names)));
    }
}
