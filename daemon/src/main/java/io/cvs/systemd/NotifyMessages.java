package io.cvs.systemd;

import io.cvs.datapath.DatapathMode;
import io.cvs.reconcile.ReconcileResult;
import java.time.Duration;

/**
 * What the daemon tells systemd, in sd_notify's format ({@code sd_notify(3)}): assignments one a line, in one
 * datagram. {@code STATUS=} is what {@code systemctl status} shows as "Status:", so it is one line of plain
 * words an operator acts on.
 */
final class NotifyMessages {

    static final String WATCHDOG = "WATCHDOG=1";

    private NotifyMessages() {
    }

    /** Before the HTTP server listens: the journal is being restored and the maps checked. */
    static String starting() {
        return status("Starting: restoring the journal and checking the maps against it");
    }

    /** The HTTP server listens, but the first reconcile has not finished (it failed, or it is slow). */
    static String waitingForFirstReconcile() {
        return status("Not ready: the first reconcile has not finished (see the log); it is tried every "
                + "cvs.reconcile.interval");
    }

    /** The first reconcile finished and the HTTP server listens: the daemon serves what its journal holds. */
    static String ready(ReconcileResult first, DatapathMode mode) {
        return "READY=1\n" + status("Ready: the first reconcile put " + services(first) + " on the "
                + mode.label() + " datapath (" + first.added() + " added, " + first.fixed() + " fixed, "
                + first.unchanged() + " unchanged, " + first.failed() + " failed, " + first.removed() + " removed)"
                + forwarding(mode));
    }

    /** After a later reconcile: what the maps hold, and what an operator should look at. */
    static String serving(ReconcileResult last, DatapathMode mode) {
        StringBuilder text = new StringBuilder("Serving " + services(last) + " on the " + mode.label()
                + " datapath" + forwarding(mode));
        if (last.failed() > 0) {
            text.append("; ").append(last.failed()).append(" failed to apply in the last reconcile (see the log; "
                    + "retried every cvs.reconcile.interval)");
        }
        if (last.held() > 0) {
            text.append("; ").append(last.held()).append(" service(s) held that the journal lacks: "
                    + "GET /api/v1/datapath says what to do");
        }
        return status(text.toString());
    }

    /** No reconcile finished for longer than the watchdog allows. */
    static String stalled(Duration allowed) {
        return status("No reconcile has finished for more than " + allowed.toSeconds() + " s: the write pipeline "
                + "may be stuck (see the log); watchdog pings withheld");
    }

    /** Shutdown started. */
    static String stopping(DatapathMode mode) {
        return "STOPPING=1\n" + status(mode == DatapathMode.BPF
                ? "Stopping; the pinned maps and programs keep forwarding" : "Stopping");
    }

    /** A {@code STATUS=} assignment: one line, since a newline would start another assignment. */
    static String status(String text) {
        return "STATUS=" + text.replaceAll("[\r\n]+", " ");
    }

    private static String services(ReconcileResult result) {
        int count = result.added() + result.fixed() + result.unchanged();
        return count + (count == 1 ? " service" : " services");
    }

    private static String forwarding(DatapathMode mode) {
        return mode == DatapathMode.MEMORY ? ", which forwards nothing" : "";
    }
}
