package io.cvs.datapath.bpf;

import com.sun.jna.Pointer;

/**
 * Routes libcvsbpf's log (libbpf's included) to {@link System.Logger} and remembers, per thread, the last warning
 * or error, so that a failed call can say what C said about it. The callback runs synchronously on the thread
 * that made the call, which is what makes the per-thread memory sound.
 */
final class NativeLog {

    /** The C signature cvs_log_fn: void (*)(int level, const char *msg, void *ctx). */
    public interface Callback extends com.sun.jna.Callback {
        void invoke(int level, String msg, Pointer ctx);
    }

    private static final int CVS_LOG_ERROR = 0;
    private static final int CVS_LOG_WARN = 1;
    private static final int CVS_LOG_INFO = 2;

    private static final System.Logger LOG = System.getLogger("io.cvs.libcvsbpf");
    private static final ThreadLocal<String> LAST_PROBLEM = new ThreadLocal<>();

    /** Held for the life of the class: JNA frees the native trampoline when the Java callback is collected. */
    private static final Callback CALLBACK = NativeLog::receive;

    private NativeLog() {
    }

    static void install() {
        LibCvsBpf.cvs_set_log(CALLBACK, null);
    }

    /** The last warning or error logged on this thread since the previous take, or null; forgets it. */
    static String takeLastProblem() {
        String problem = LAST_PROBLEM.get();
        if (problem != null) {
            LAST_PROBLEM.set(null);
        }
        return problem;
    }

    /** Must not throw: an exception cannot travel back through C. */
    private static void receive(int level, String msg, Pointer ctx) {
        if (level <= CVS_LOG_WARN) {
            LAST_PROBLEM.set(msg);
        }
        LOG.log(toLevel(level), msg);
    }

    private static System.Logger.Level toLevel(int level) {
        return switch (level) {
            case CVS_LOG_ERROR -> System.Logger.Level.ERROR;
            case CVS_LOG_WARN -> System.Logger.Level.WARNING;
            case CVS_LOG_INFO -> System.Logger.Level.INFO;
            default -> System.Logger.Level.DEBUG;
        };
    }
}
