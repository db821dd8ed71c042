package io.cvs.traffic;

import io.cvs.address.IpAddresses;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.service.Service;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Counters of a service and of each of its backends in configured order, read at request time, with their recent
 * rates where {@link TrafficRates} has them ({@code ServiceStats}).
 */
public record ServiceStats(String serviceId, String name, Instant readAt, long refused, long retried,
        @JsonInclude(JsonInclude.Include.NON_NULL) ServiceRate rate, List<BackendStats> backends) {

    record BackendStats(String address, int port, int weight, long connections, long packets, long bytes,
            @JsonInclude(JsonInclude.Include.NON_NULL) BackendRate rate) {
    }

    /**
     * The service's rates over the window of {@code windowSeconds} that ended at {@code sampledAt}. The connection,
     * packet and byte rates are sums over its backends, present only when every backend has a rate; packets and
     * bytes only where the datapath counts them.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ServiceRate(Instant sampledAt, double windowSeconds, Double connectionsPerSecond, Double packetsPerSecond,
            Double bytesPerSecond, Double refusedPerSecond) {
    }

    /** A backend's rates over the service's window; packets and bytes only where the datapath counts them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BackendRate(double connectionsPerSecond, Double packetsPerSecond, Double bytesPerSecond) {
    }

    /** A backend the counters do not list (the datapath had not seen it yet) counts 0. */
    public static ServiceStats of(Service service, AlignedCounters counters, Instant readAt, Optional<RecentRate> recent) {
        List<Backend> configured = service.backends();
        List<BackendStats> backends = new ArrayList<>(configured.size());
        for (int i = 0; i < configured.size(); i++) {
            Backend b = configured.get(i);
            BackendCounters c = counters.backend(i);
            BackendRate rate = recent.isEmpty() ? null : recent.get().of(b, i);
            backends.add(c == null
                    ? new BackendStats(IpAddresses.text(b.address()), b.port(), b.weight(), 0, 0, 0, rate)
                    : new BackendStats(IpAddresses.text(b.address()), b.port(), b.weight(), c.connections(),
                            c.packets(), c.bytes(), rate));
        }
        return new ServiceStats(service.id(), service.name(), readAt, counters.refused(), counters.retried(),
                recent.map(RecentRate::service).orElse(null), backends);
    }
}
