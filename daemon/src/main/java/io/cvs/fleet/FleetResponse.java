package io.cvs.fleet;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/fleet} ({@code Fleet}): this host, and in fleet mode what it applied, the store, and every
 * host's report. applied and store are absent in single-host mode, where hosts holds this host only.
 */
record FleetResponse(String mode, String hostId, Map<String, String> labels,
        @JsonInclude(JsonInclude.Include.NON_NULL) Applied applied,
        @JsonInclude(JsonInclude.Include.NON_NULL) Store store, List<Host> hosts) {

    static final String FLEET = "fleet";
    static final String SINGLE_HOST = "single-host";

    record Applied(long revision, Instant at, long lagRevisions) {
    }

    record Store(List<String> endpoints, long revision, boolean reachable, Instant unreachableSince,
            List<Member> members) {
    }

    record Member(String name, String clientUrl, boolean healthy, boolean leader, String error) {
    }

    record Host(String hostId, Map<String, String> labels, long appliedRevision, long lagRevisions,
            Instant lastSeen, boolean ready, String datapath, String lastError, boolean self) {
    }
}
