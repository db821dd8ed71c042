package io.cvs.service;

import java.util.NavigableMap;

/**
 * The durable services as readers see them, without locking: what the traffic metrics and rates walk. The write
 * pipeline implements it; readers depend on this, not on the pipeline.
 */
public interface ServiceDirectory {

    /** Every durable service, ordered by name. */
    NavigableMap<String, Service> byName();

    /** The backends health checks took out of rotation, as last applied to the maps. */
    DownBackends down();
}
