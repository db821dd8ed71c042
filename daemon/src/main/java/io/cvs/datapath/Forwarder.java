package io.cvs.datapath;

import java.util.Locale;

/**
 * What reads the pinned maps and forwards: the socket-LB programs (connections made by processes in the attached
 * cgroup are sent to a backend at connect()), and cvs.ko (conntrack DNAT of new connections routed through the
 * host or made on it, see kernel-module/). {@code cvs.bpf.datapaths} chooses; both may run at once.
 */
public enum Forwarder {
    SOCKET_LB,
    MODULE;

    /** As the API and the property spell it: {@code socket-lb}, {@code module}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
