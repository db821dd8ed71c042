package io.cvs.fleet.store;

import java.util.List;

/** Every service entry at revision: what a host converges to before it watches from revision + 1. */
public record Snapshot(long revision, List<StoredService> services) {

    public Snapshot {
        services = List.copyOf(services);
    }
}
