package dev.forgeline.support.process;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/** The last lines a process printed, with secrets masked; older lines are dropped. */
public final class OutputTail implements Consumer<String> {
    private final int maxLines;
    private final Deque<String> lines = new ArrayDeque<>();

    public OutputTail(int maxLines) {
        this.maxLines = Math.max(1, maxLines);
    }

    @Override
    public synchronized void accept(String line) {
        lines.addLast(line);
        while (lines.size() > maxLines) {
            lines.removeFirst();
        }
    }

    @Override
    public synchronized String toString() {
        return String.join("\n", lines);
    }
}
