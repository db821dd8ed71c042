package io.cvs.datapath;

import java.util.Locale;

/** Which datapath writes the service table: the property {@code cvs.datapath}, and what was chosen. */
public enum DatapathMode {
    /** BPF when this host can run it, otherwise memory with a warning. Only ever requested, never chosen. */
    AUTO,
    /** The pinned eBPF maps and the socket-LB programs: services are forwarded. */
    BPF,
    /** A table in the daemon's memory: the API works, nothing is forwarded. For tests and hosts without BPF. */
    MEMORY;

    /** As written in properties and JSON: {@code bpf}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
