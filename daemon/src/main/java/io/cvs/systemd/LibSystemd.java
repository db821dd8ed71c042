package io.cvs.systemd;

import com.sun.jna.Library;
import com.sun.jna.ptr.LongByReference;

/**
 * The two calls of libsystemd0 ({@code sd-daemon(3)}) the daemon makes. libsystemd writes the datagram to
 * {@code NOTIFY_SOCKET} (a path, or an abstract name written {@code @name}) and checks {@code WATCHDOG_PID}, so
 * none of that protocol is written again here. Loaded as {@code libsystemd.so.0}, the runtime package's soname:
 * the unversioned name exists only with the development package.
 */
interface LibSystemd extends Library {

    String SONAME = "libsystemd.so.0";

    /**
     * Sends state (newline-separated assignments such as {@code READY=1}) to the service manager; 0 when
     * {@code NOTIFY_SOCKET} is unset, a positive number when sent, a negative errno when it failed.
     */
    int sd_notify(int unset_environment, String state);

    /**
     * Whether the service manager expects watchdog pings from this process: positive with the interval in µs
     * ({@code WATCHDOG_USEC}) when it does, 0 when it does not (unset, or {@code WATCHDOG_PID} names another
     * process), a negative errno for a malformed variable.
     */
    int sd_watchdog_enabled(int unset_environment, LongByReference usec);
}
