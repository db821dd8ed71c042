package io.cvs.traffic;

import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.ServiceCounters;
import io.cvs.service.Service;
import java.util.List;
import java.util.Optional;

/**
 * A service's counters as the datapath holds them, lined up with its configured backends: entry i belongs to
 * backend i. An entry is missing (null) where the datapath holds no counters for that backend, and all are when it
 * does not hold the service (its write is still to be applied, or it was deleted meanwhile): no counters is not the
 * same as zero counters.
 */
public final class AlignedCounters {

    private final ServiceCounters counters;
    private final BackendCounters[] byBackend;

    private AlignedCounters(ServiceCounters counters, BackendCounters[] byBackend) {
        this.counters = counters;
        this.byBackend = byBackend;
    }

    /** One read of the service's counters (one libcvsbpf call on the BPF datapath). */
    public static AlignedCounters read(Service service, Datapath datapath) {
        return of(service.backends(), datapath.counters(service.key()));
    }

    /** The datapath lists counters in member order, which is the configured order, so a search is the exception. */
    static AlignedCounters of(List<Backend> backends, Optional<ServiceCounters> read) {
        BackendCounters[] aligned = new BackendCounters[backends.size()];
        if (read.isEmpty()) {
            return new AlignedCounters(null, aligned);
        }
        List<BackendCounters> held = read.get().backends();
        for (int i = 0; i < aligned.length; i++) {
            Backend backend = backends.get(i);
            if (i < held.size() && sameEndpoint(backend, held.get(i))) {
                aligned[i] = held.get(i);
                continue;
            }
            for (BackendCounters candidate : held) {
                if (sameEndpoint(backend, candidate)) {
                    aligned[i] = candidate;
                    break;
                }
            }
        }
        return new AlignedCounters(read.get(), aligned);
    }

    /** Whether the datapath holds the service. */
    boolean held() {
        return counters != null;
    }

    /** 0 when the service is not held. */
    long refused() {
        return counters == null ? 0 : counters.refused();
    }

    /** 0 when the service is not held. */
    long retried() {
        return counters == null ? 0 : counters.retried();
    }

    /** Backend i's counters, or null when the datapath holds none for it. */
    BackendCounters backend(int i) {
        return byBackend[i];
    }

    private static boolean sameEndpoint(Backend backend, BackendCounters counters) {
        return backend.port() == counters.port() && backend.address().equals(counters.address());
    }
}
