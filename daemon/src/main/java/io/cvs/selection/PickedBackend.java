package io.cvs.selection;

import java.net.InetAddress;

/**
 * The backend a datapath would give a client now (cvs_service_pick_flow), and why.
 *
 * @param affinityAgeNanos with {@link Reason#AFFINITY}: how long ago the client's entry was stored or last refreshed (lazily: see cvs_select.h); else 0
 * @param hash             the flow hash (cvs_flow_hash) of the client and the service, unsigned 32 bits
 */
public record PickedBackend(InetAddress address, int port, Reason reason, long affinityAgeNanos, long hash,
        ClientFlow client) {

    /** enum cvs_pick_reason. */
    public enum Reason {
        /** A weighted random slot: one sample of what the next connection may get. */
        RANDOM,
        /** The flow hash in the service's Maglev table. */
        MAGLEV,
        /** The client's session affinity entry. */
        AFFINITY
    }
}
