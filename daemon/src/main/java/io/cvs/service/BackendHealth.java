package io.cvs.service;

import io.cvs.datapath.bpf.Backend;

/**
 * Whether a backend is in rotation as far as its health checks go: what {@code cvs_backend_up} reports for it. A
 * bean of this type replaces {@link #UNCHECKED}, the answer while no health checks exist.
 */
@FunctionalInterface
public interface BackendHealth {

    /** Without health checks every configured backend is up. */
    BackendHealth UNCHECKED = (serviceId, backend) -> true;

    boolean up(String serviceId, Backend backend);
}
