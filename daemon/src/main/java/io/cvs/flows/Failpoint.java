package io.cvs.flows;

/**
 * Crash injection for the flow sweeps, as libcvsbpf's {@code CVS_FAILPOINT} is for its map-set switch: with
 * {@code CVS_FAILPOINT=flows-before-sweep} in the environment the daemon halts with status 137 (as SIGKILL would: no
 * shutdown hook, nothing flushed) just before running any sweep but its first, the one after the start's first
 * reconcile. A test can so crash it between a write that removed a backend, already durable and in the maps, and
 * the sweep that write asked for, and check that the next start's sweep ends what was left. The halt waits
 * {@value #ANSWER_MS} ms first, so the write's answer has left as with a kill -9 right after the 2xx. Read once at
 * class load; any other value, or none, does nothing.
 */
final class Failpoint {

    static final String BEFORE_SWEEP = "flows-before-sweep";
    static final long ANSWER_MS = 300;

    private static final boolean ARMED = BEFORE_SWEEP.equals(System.getenv("CVS_FAILPOINT"));

    private Failpoint() {
    }

    /** Halts when armed, unless this is the process's first sweep. */
    static void beforeSweep(boolean first) {
        if (!ARMED || first) {
            return;
        }
        try {
            Thread.sleep(ANSWER_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(137);
    }
}
