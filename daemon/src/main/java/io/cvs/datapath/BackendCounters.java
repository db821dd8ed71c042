package io.cvs.datapath;

import java.net.Inet4Address;

/** Counters of one backend summed over CPUs; bytes stay 0 where the datapath does not see them. */
public record BackendCounters(Inet4Address address, int port, long connections, long packets, long bytes) {
}
