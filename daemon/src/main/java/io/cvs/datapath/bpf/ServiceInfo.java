package io.cvs.datapath.bpf;

import io.cvs.datapath.Backend;
import java.util.List;

/**
 * A service as the maps hold it now: its id, its current generation, how many selection slots it uses (0: new
 * connections are refused) and its backends in configured order, draining ones included.
 */
record ServiceInfo(int id, int generation, int slots, List<Backend> backends) {

    public ServiceInfo {
        backends = List.copyOf(backends);
    }
}
