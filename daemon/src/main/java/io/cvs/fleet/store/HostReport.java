package io.cvs.fleet.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a host says of itself under {@code <prefix>hosts/<hostId>}: the store revision it last applied to its
 * maps, when it reported, whether it is ready (first reconcile done, forwarders attached), its datapath mode, its
 * labels, and its last error (null when none). ttl is the lease's time to live; a host gone for longer vanishes.
 * The value is stored as JSON; the store implementation owns that encoding.
 */
public record HostReport(String hostId, long appliedRevision, Instant reportedAt, boolean ready, String datapath,
        Map<String, String> labels, String lastError, Duration ttl) {

    public HostReport {
        labels = Map.copyOf(labels);
    }
}
