package dev.forgeline.worker.git;

/** What one git command printed and how it exited. */
public record GitOutput(int exitCode, String stdout, String stderr) {
    public boolean ok() {
        return exitCode == 0;
    }
}
