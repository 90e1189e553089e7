package dev.forgeline.support.git;

/** What a finished git command printed; both streams already masked. */
public record GitResult(int exitCode, String stdout, String stderr) {
    public boolean ok() {
        return exitCode == 0;
    }

    /** Standard output without the trailing line break. */
    public String out() {
        return stdout.strip();
    }
}
