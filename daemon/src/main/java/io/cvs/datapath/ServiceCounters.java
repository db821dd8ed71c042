package io.cvs.datapath;

import java.util.List;

/** Counters of a service summed over CPUs, with one entry per backend in configured order. */
public record ServiceCounters(long refused, long retried, List<BackendCounters> backends) {

    public ServiceCounters {
        backends = List.copyOf(backends);
    }
}
