package io.cvs.cli;

import java.util.List;
import java.util.Map;

/**
 * The schemas of {@code GET /api/v1/fleet} ({@code Fleet}, {@code FleetApplied}, {@code FleetStore},
 * {@code FleetStoreMember}, {@code FleetHost}), read as {@link Api} reads the others: leniently, date-times as the
 * daemon wrote them. A file of their own so that {@link Api} stays readable in one sitting. Numbers the contract
 * makes nullable are boxed, so that a host without an applied revision (single-host mode) shows none rather than 0.
 */
final class ApiFleet {

    static final String FLEET_MODE = "fleet";

    private ApiFleet() {
    }

    record Fleet(String mode, String hostId, Map<String, String> labels, FleetApplied applied, FleetStore store,
            List<FleetHost> hosts) {
        Fleet {
            labels = labels == null ? Map.of() : labels;
            hosts = hosts == null ? List.of() : hosts;
        }

        boolean fleetMode() {
            return FLEET_MODE.equals(mode);
        }
    }

    record FleetApplied(long revision, String at, long lagRevisions) {
    }

    record FleetStore(List<String> endpoints, Long revision, boolean reachable, String unreachableSince,
            List<FleetStoreMember> members) {
        FleetStore {
            endpoints = endpoints == null ? List.of() : endpoints;
            members = members == null ? List.of() : members;
        }
    }

    record FleetStoreMember(String name, String clientUrl, boolean healthy, boolean leader, String error) {
    }

    record FleetHost(String hostId, Map<String, String> labels, Long appliedRevision, Long lagRevisions,
            String lastSeen, boolean ready, String datapath, String lastError, boolean self) {
        FleetHost {
            labels = labels == null ? Map.of() : labels;
        }
    }
}
