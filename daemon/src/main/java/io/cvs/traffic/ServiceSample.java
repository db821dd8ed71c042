package io.cvs.traffic;

import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.DatapathStatus;
import io.cvs.service.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One service's counters in one sample of {@link TrafficRates}: three longs per configured backend, {@link #NOT_HELD}
 * where the datapath held no counters for it, and whether its packets and bytes are counted at all.
 */
record ServiceSample(Service service, long refused, long[] connections, long[] packets, long[] bytes,
        boolean countsPackets, boolean countsBytes) {

    static final long NOT_HELD = -1;

    static ServiceSample of(Service service, AlignedCounters counters, DatapathStatus status) {
        int n = service.backends().size();
        long[] connections = new long[n];
        long[] packets = new long[n];
        long[] bytes = new long[n];
        for (int i = 0; i < n; i++) {
            BackendCounters c = counters.backend(i);
            connections[i] = c == null ? NOT_HELD : c.connections();
            packets[i] = c == null ? NOT_HELD : c.packets();
            bytes[i] = c == null ? NOT_HELD : c.bytes();
        }
        return new ServiceSample(service, counters.held() ? counters.refused() : NOT_HELD, connections, packets,
                bytes, status.countsPackets(service.key().protocol()), status.countsBytes());
    }

    /**
     * The rates from before (taken at from) to this sample (taken at to). before is null when the service was not in
     * the earlier sample, or had another VIP, port or protocol there: it was created in the datapath since, so its
     * counters started at 0 in between, as do those of a backend that joined since. A counter lower than before
     * (the backend left and came back, starting again from 0) gives that backend no rate for this window rather
     * than a negative one, and then the service has no connection rate either.
     */
    RecentRate since(ServiceSample before, Instant from, Instant to) {
        double seconds = Duration.between(from, to).toNanos() / 1e9;
        List<Backend> backends = service.backends();
        ServiceStats.BackendRate[] rates = new ServiceStats.BackendRate[backends.size()];
        boolean everyBackend = true;
        double connectionSum = 0;
        double packetSum = 0;
        double byteSum = 0;
        for (int i = 0; i < rates.length; i++) {
            int j = before == null ? -1 : before.indexOf(backends.get(i), i);
            long c0 = j < 0 ? 0 : Math.max(0, before.connections[j]);
            long p0 = j < 0 ? 0 : Math.max(0, before.packets[j]);
            long b0 = j < 0 ? 0 : Math.max(0, before.bytes[j]);
            if (connections[i] == NOT_HELD || connections[i] < c0 || packets[i] < p0 || bytes[i] < b0) {
                everyBackend = false;
                continue;
            }
            rates[i] = new ServiceStats.BackendRate((connections[i] - c0) / seconds,
                    countsPackets ? (packets[i] - p0) / seconds : null, countsBytes ? (bytes[i] - b0) / seconds : null);
            connectionSum += rates[i].connectionsPerSecond();
            packetSum += countsPackets ? rates[i].packetsPerSecond() : 0;
            byteSum += countsBytes ? rates[i].bytesPerSecond() : 0;
        }
        long refused0 = before == null ? 0 : Math.max(0, before.refused);
        Double refusedRate = refused == NOT_HELD || refused < refused0 ? null : (refused - refused0) / seconds;
        ServiceStats.ServiceRate total = new ServiceStats.ServiceRate(to, seconds,
                everyBackend ? connectionSum : null, everyBackend && countsPackets ? packetSum : null,
                everyBackend && countsBytes ? byteSum : null, refusedRate);
        return new RecentRate(service, total, Collections.unmodifiableList(Arrays.asList(rates)));
    }

    /** Where backend is in this sample, looking at hint first (backends keep their order); -1 when absent. */
    int indexOf(Backend backend, int hint) {
        List<Backend> backends = service.backends();
        if (hint < backends.size() && sameEndpoint(backends.get(hint), backend)) {
            return hint;
        }
        for (int j = 0; j < backends.size(); j++) {
            if (sameEndpoint(backends.get(j), backend)) {
                return j;
            }
        }
        return -1;
    }

    private static boolean sameEndpoint(Backend a, Backend b) {
        return a.port() == b.port() && a.address().equals(b.address());
    }
}
