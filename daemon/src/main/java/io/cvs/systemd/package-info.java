/**
 * Telling systemd how the daemon is doing, for a {@code Type=notify} unit, through libsystemd0's
 * {@code sd_notify(3)} (JNA). Nothing happens unless systemd set {@code NOTIFY_SOCKET}; without libsystemd0 it
 * is one WARN and the daemon serves all the same.
 *
 * <ul>
 * <li>{@code READY=1} once both the HTTP server listens (Spring declared the application ready:
 * {@code ACCEPTING_TRAFFIC}) and the first reconcile after start has finished: the {@code readinessState} and
 * {@code reconcile} parts of readiness. The maps then hold what the journal holds, and the API answers. Its
 * {@code STATUS=} says how many services that reconcile put in the maps, and on which datapath. A first reconcile
 * that failed leaves the daemon not ready until one of the reconcile loop's succeeds; systemd's
 * {@code TimeoutStartSec} decides how long that may take.</li>
 * <li>{@code STATUS=} when it changes: how many services are served, how many the last reconcile failed to apply,
 * services held because the journal does not match the maps, or no reconcile finishing.</li>
 * <li>{@code WATCHDOG=1} when {@code WATCHDOG_USEC} is set for this process, every half of that interval (or every
 * 5 s if that is shorter), but only while a reconcile finished within the last two {@code cvs.reconcile.interval}s
 * plus 10 s ({@link io.cvs.systemd.ReconcileProgress}).</li>
 * <li>{@code STOPPING=1} when shutdown starts.</li>
 * </ul>
 *
 * <p>Every message comes from the JVM's own process, so the unit's default {@code NotifyAccess=main} accepts it.
 *
 * <p>May call {@code io.cvs.datapath} (the datapath's mode) and {@code io.cvs.reconcile} (the last result, the
 * interval).
 */
package io.cvs.systemd;
