package io.cvs.service;

/**
 * What becomes of a service's established TCP connections to a backend that leaves it: removed from its
 * configuration, taken out by its health check, or gone with the whole service. UDP flows to such a backend are
 * always ended (a connected UDP client would otherwise keep sending to it until it gives up); a drained backend
 * (weight 0) is not leaving, so nothing of it is ended.
 */
public enum OnBackendRemoval {
    /** Established TCP connections stay until they end, as IPVS leaves them: the backend may still be serving. */
    KEEP,
    /** They are reset: the client sees the connection fail at once and reconnects to a live backend. */
    RESET
}
