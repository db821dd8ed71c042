package io.cvs.health;

import java.time.Instant;

/**
 * What the monitor knows of one backend right now.
 *
 * @param up             in rotation as far as health goes
 * @param since          when it became {@code up} (or not); for a target never probed, when it was added
 * @param successesInRow passed probes since the last failure
 * @param failuresInRow  failed probes since the last pass (timeouts included)
 * @param lastProbeAt    when the last probe ended; null before the first
 * @param lastResult     the last probe's result: {@code "ok"} (TCP, UDP), {@code "HTTP 200"}, {@code "HTTP 503"},
 *                       {@code "connection refused"}, {@code "port unreachable"},
 *                       {@code "timeout after 1000 ms"}, {@code "unexpected reply (4 bytes)"}...; null before the
 *                       first
 */
public record BackendHealth(boolean up, Instant since, int successesInRow, int failuresInRow, Instant lastProbeAt,
        String lastResult) {
}
