package io.cvs.service;

import io.cvs.datapath.bpf.Backend;
import io.cvs.datapath.bpf.BackendCounters;
import io.cvs.datapath.bpf.ServiceCounters;
import java.time.Instant;
import java.util.List;

/** Counters of a service and of each of its backends in configured order ({@code ServiceStats}). */
record ServiceStats(String serviceId, String name, Instant readAt, long refused, long retried,
        List<BackendStats> backends) {

    record BackendStats(String address, int port, int weight, long connections, long packets, long bytes) {
    }

    /** A backend the counters do not list (the datapath had not seen it yet) counts 0. */
    static ServiceStats of(Service service, ServiceCounters counters, Instant readAt) {
        List<BackendStats> backends = service.backends().stream().map(b -> stats(b, counters)).toList();
        return new ServiceStats(service.id(), service.name(), readAt, counters.refused(), counters.retried(),
                backends);
    }

    private static BackendStats stats(Backend backend, ServiceCounters counters) {
        BackendCounters c = counters.backends().stream()
                .filter(bc -> bc.address().equals(backend.address()) && bc.port() == backend.port())
                .findFirst().orElse(new BackendCounters(backend.address(), backend.port(), 0, 0, 0));
        return new BackendStats(backend.address().getHostAddress(), backend.port(), backend.weight(),
                c.connections(), c.packets(), c.bytes());
    }
}
