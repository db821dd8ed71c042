package io.cvs.datapath;

import io.cvs.datapath.bpf.SocketLbProgram;
import io.cvs.datapath.bpf.SocketLbStatus;
import io.cvs.datapath.bpf.Usage;
import java.util.Objects;
import java.util.Optional;

/**
 * A datapath's state: its mode, why it is the memory one when BPF was wanted but impossible (empty otherwise),
 * where the socket-LB programs are attached (nowhere for memory) and how much of its capacity is used.
 */
public record DatapathStatus(DatapathMode mode, Optional<String> fallbackReason, SocketLbStatus socketLb,
        Usage usage) {

    public DatapathStatus {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(fallbackReason, "fallbackReason");
        Objects.requireNonNull(socketLb, "socketLb");
        Objects.requireNonNull(usage, "usage");
    }

    /** True when every socket-LB program is attached, which is what forwarding from this host needs. */
    public boolean socketLbAttached() {
        return socketLb.attached() == SocketLbProgram.values().length;
    }
}
