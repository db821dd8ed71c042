package io.cvs.fleet;

import io.cvs.fleet.store.FleetStore;
import io.cvs.fleet.store.HostReport;
import io.cvs.fleet.store.StoreStatus;
import io.cvs.fleet.store.StoreUnavailableException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What {@code GET /api/v1/fleet} shows, in either mode. In fleet mode the store is asked for its status and the
 * hosts' reports; when it does not answer, the answer is this host's own view (store unreachable, since when).
 */
final class FleetOverview {

    private final String hostId;
    private final Map<String, String> labels;
    private final BooleanSupplier ready;
    private final Supplier<String> datapath;
    private final Clock clock;
    /** Null in single-host mode, and so are the rest. */
    private final FleetStore store;
    private final List<String> endpoints;
    private final FleetStatus status;
    private final AppliedRevisions applied;

    FleetOverview(String hostId, Map<String, String> labels, BooleanSupplier ready, Supplier<String> datapath,
            Clock clock, FleetStore store, List<String> endpoints, FleetStatus status, AppliedRevisions applied) {
        this.hostId = hostId;
        this.labels = Map.copyOf(labels);
        this.ready = ready;
        this.datapath = datapath;
        this.clock = clock;
        this.store = store;
        this.endpoints = endpoints;
        this.status = status;
        this.applied = applied;
    }

    FleetResponse overview() {
        if (store == null) {
            return new FleetResponse(FleetResponse.SINGLE_HOST, hostId, labels, null, null, List.of(
                    new FleetResponse.Host(hostId, labels, 0, 0, clock.instant(), ready.getAsBoolean(),
                            datapath.get(), null, true)));
        }
        StoreStatus storeStatus = null;
        List<HostReport> reports = List.of();
        try {
            storeStatus = store.status();
            status.storeRevision(storeStatus.revision());
            reports = store.hosts();
        } catch (StoreUnavailableException e) {
            status.unreachable(clock.instant());
        }
        long storeRevision = status.storeRevision();
        long mine = applied.applied();
        List<FleetResponse.Host> hosts = new ArrayList<>();
        for (HostReport report : reports) {
            if (!report.hostId().equals(hostId)) {
                hosts.add(new FleetResponse.Host(report.hostId(), report.labels(), report.appliedRevision(),
                        lag(storeRevision, report.appliedRevision()), report.reportedAt(), report.ready(),
                        report.datapath(), report.lastError(), false));
            }
        }
        // This host as it is now, not as its last report said: that may be a report interval behind.
        hosts.add(new FleetResponse.Host(hostId, labels, mine, lag(storeRevision, mine), clock.instant(),
                ready.getAsBoolean(), datapath.get(), status.lastError(), true));
        hosts.sort(Comparator.comparing(FleetResponse.Host::hostId));
        List<FleetResponse.Member> members = storeStatus == null ? List.of() : storeStatus.members().stream()
                .map(m -> new FleetResponse.Member(m.name(), m.clientUrl(), m.healthy(), m.leader(), m.error()))
                .toList();
        return new FleetResponse(FleetResponse.FLEET, hostId, labels,
                new FleetResponse.Applied(mine, status.appliedAt(), lag(storeRevision, mine)),
                new FleetResponse.Store(endpoints, storeRevision, status.reachable(), status.unreachableSince(),
                        members), hosts);
    }

    private static long lag(long storeRevision, long appliedRevision) {
        return Math.max(0, storeRevision - appliedRevision);
    }
}
