package io.cvs.traffic;

import io.cvs.datapath.Backend;
import io.cvs.service.Service;
import java.util.List;

/**
 * A service's rates over the last sampling window: for the service, and for each backend of the service as it was
 * sampled (entry i for backend i; null where there is no rate for this window).
 */
record RecentRate(Service sampled, ServiceStats.ServiceRate service, List<ServiceStats.BackendRate> backends) {

    /** The rate of this backend of the service, matched by address and port; null when there is none. */
    ServiceStats.BackendRate of(Backend backend, int hint) {
        List<Backend> sampledBackends = sampled.backends();
        if (hint < sampledBackends.size() && sameEndpoint(sampledBackends.get(hint), backend)) {
            return backends.get(hint);
        }
        for (int i = 0; i < sampledBackends.size(); i++) {
            if (sameEndpoint(sampledBackends.get(i), backend)) {
                return backends.get(i);
            }
        }
        return null;
    }

    private static boolean sameEndpoint(Backend a, Backend b) {
        return a.port() == b.port() && a.address().equals(b.address());
    }
}
