package io.cvs.datapath.bpf;

import java.net.InetAddress;

/** Where a new connection to a service would go now, picked exactly as the datapaths pick (cvs_select.h). */
record Pick(int backendId, int serviceId, InetAddress address, int port, int attempts) {
}
