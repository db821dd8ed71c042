package io.cvs.datapath.bpf;

import io.cvs.selection.PickedBackend;
import java.net.InetAddress;

/**
 * Where a new connection to a service would go now, picked exactly as the datapaths pick (cvs_select.h), with why
 * (reason), the flow hash (unsigned) and, for affinity, the entry's age in ns.
 */
record Pick(int backendId, int serviceId, InetAddress address, int port, int attempts, PickedBackend.Reason reason,
        long hash, long affinityAgeNanos) {
}
