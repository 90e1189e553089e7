package dev.forgeline.support.process;

/**
 * Where the worker writes down each child process it starts, before relying on it, so that a later run can kill
 * what this one left behind should it die (see {@link LeftoverProcesses}).
 */
@FunctionalInterface
public interface ProcessLedger {
    /** Writes nothing down: for processes no attempt record belongs to (tests, tools). */
    ProcessLedger NONE = process -> {};

    void started(TrackedProcess process);
}
