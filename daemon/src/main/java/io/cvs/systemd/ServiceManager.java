package io.cvs.systemd;

import com.sun.jna.Native;
import com.sun.jna.ptr.LongByReference;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service manager that started the daemon, when it asked to be told ({@code NOTIFY_SOCKET} set: systemd does
 * for a {@code Type=notify} unit). Without that variable, or without libsystemd0, every call does nothing: the
 * daemon serves the same either way.
 */
final class ServiceManager {

    private static final Logger log = LoggerFactory.getLogger(ServiceManager.class);

    /** Nobody to tell. */
    static final ServiceManager NONE = new ServiceManager(null, "");

    private final LibSystemd systemd;
    private final String socket;
    private final AtomicBoolean failedOnce = new AtomicBoolean();

    private ServiceManager(LibSystemd systemd, String socket) {
        this.systemd = systemd;
        this.socket = socket;
    }

    /** The one this process's environment names, through libsystemd0. */
    static ServiceManager fromEnvironment() {
        return of(System.getenv("NOTIFY_SOCKET"), LibSystemd.SONAME);
    }

    /**
     * The one at notifySocket (empty or null: none) through the library named; a library that cannot be loaded is
     * one WARN and nobody to tell, since a daemon that forwards must not fail to start for want of it.
     */
    static ServiceManager of(String notifySocket, String library) {
        if (notifySocket == null || notifySocket.isBlank()) {
            return NONE;
        }
        try {
            return new ServiceManager(Native.load(library, LibSystemd.class), notifySocket);
        } catch (UnsatisfiedLinkError e) {
            log.warn("NOTIFY_SOCKET is set ({}), but {} could not be loaded ({}): systemd will not hear that the "
                    + "daemon is ready, so a Type=notify unit fails to start; install libsystemd0", notifySocket,
                    library, e.getMessage().lines().skip(1).findFirst().orElse(e.getMessage()));
            return NONE;
        }
    }

    /** Whether anyone hears what {@link #send} says. */
    boolean listening() {
        return systemd != null;
    }

    /**
     * Sends the message (assignments such as {@code READY=1}, one a line) in one datagram. A failure is a WARN the
     * first time and debug after: the service manager may be gone (systemd re-executing), which is no reason to stop
     * serving.
     */
    void send(String message) {
        if (systemd == null) {
            return;
        }
        int sent = systemd.sd_notify(0, message);
        if (sent < 0) {
            String first = message.lines().findFirst().orElse("");
            if (failedOnce.compareAndSet(false, true)) {
                log.warn("Could not tell the service manager at {} {}: errno {}", socket, first, -sent);
            } else {
                log.debug("Could not tell the service manager at {} {}: errno {}", socket, first, -sent);
            }
        }
    }

    /**
     * The interval within which the service manager expects {@code WATCHDOG=1} from this process: empty when it
     * expects none ({@code WATCHDOG_USEC} unset, or {@code WATCHDOG_PID} names another process).
     */
    Optional<Duration> watchdog() {
        if (systemd == null) {
            return Optional.empty();
        }
        LongByReference usec = new LongByReference();
        int enabled = systemd.sd_watchdog_enabled(0, usec);
        if (enabled < 0) {
            log.warn("WATCHDOG_USEC or WATCHDOG_PID is malformed (errno {}); no watchdog pings are sent", -enabled);
        }
        return enabled > 0 && usec.getValue() > 0 ? Optional.of(Duration.ofNanos(usec.getValue() * 1000))
                : Optional.empty();
    }
}
