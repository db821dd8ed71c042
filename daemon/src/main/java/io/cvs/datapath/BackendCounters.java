package io.cvs.datapath;

import java.net.InetAddress;

/** Counters of one backend summed over CPUs; bytes stay 0 where the datapath does not see them. */
public record BackendCounters(InetAddress address, int port, long connections, long packets, long bytes) {
}
