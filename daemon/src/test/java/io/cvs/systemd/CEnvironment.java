package io.cvs.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Map;

/**
 * The variables libsystemd reads ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}), set in this
 * JVM's C environment, where libsystemd's {@code getenv} finds them. Java's own copy, which child processes are
 * given, is untouched. Tests clear them after each test.
 */
final class CEnvironment {

    private static final Libc LIBC = Native.load("c", Libc.class);
    private static final String[] NAMES = {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"};

    private CEnvironment() {
    }

    /** Exactly these of the variables, the others unset. */
    static void set(Map<String, String> variables) {
        clear();
        variables.forEach((name, value) -> LIBC.setenv(name, value, 1));
    }

    static void clear() {
        for (String name : NAMES) {
            LIBC.unsetenv(name);
        }
    }

    interface Libc extends Library {
        int setenv(String name, String value, int overwrite);

        int unsetenv(String name);
    }
}
