package io.cvs.datapath;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A datapath's state: its mode, why it is the memory one when BPF was wanted but impossible (empty otherwise),
 * which forwarders were chosen ({@code cvs.bpf.datapaths}; none for memory), where the socket-LB programs are
 * attached (nowhere for memory), what cvs.ko serves, and how much of its capacity is used.
 */
public record DatapathStatus(DatapathMode mode, Optional<String> fallbackReason, Set<Forwarder> chosen,
        SocketLbStatus socketLb, ModuleStatus module, MapIds mapIds, Usage usage) {

    public DatapathStatus {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(fallbackReason, "fallbackReason");
        chosen = Set.copyOf(chosen);
        Objects.requireNonNull(socketLb, "socketLb");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(usage, "usage");
    }

    /** The status of a datapath without cvs.ko: BPF with the socket-LB programs chosen, or memory with nothing. */
    public DatapathStatus(DatapathMode mode, Optional<String> fallbackReason, SocketLbStatus socketLb, Usage usage) {
        this(mode, fallbackReason, mode == DatapathMode.BPF ? Set.of(Forwarder.SOCKET_LB) : Set.of(), socketLb,
                ModuleStatus.NOT_LOADED, null, usage);
    }

    /** The forwarders that read these maps now, in the order of {@link Forwarder}. */
    public List<Forwarder> active() {
        List<Forwarder> active = new ArrayList<>();
        if (mode == DatapathMode.BPF && socketLbAttached()) {
            active.add(Forwarder.SOCKET_LB);
        }
        if (mapIds != null && module.serves(mapIds)) {
            active.add(Forwarder.MODULE);
        }
        return active;
    }

    /** Whether every chosen forwarder is active: what forwarding as configured needs. */
    public boolean forwardingAsChosen() {
        return active().containsAll(chosen);
    }

    /**
     * Whether the chosen forwarders count packets of a service of this protocol (cvs_abi.h, struct
     * cvs_backend_stats): cvs.ko counts the first packet of every connection it DNATs; the socket-LB programs count
     * one per UDP datagram they translate at sendmsg() (a connected socket is counted once, as a connection, at
     * connect()); the memory datapath counts nothing. Where this is false the packet counters stay 0 and mean
     * nothing, so they are not reported as counts.
     */
    public boolean countsPackets(Protocol protocol) {
        return chosen.contains(Forwarder.MODULE) || chosen.contains(Forwarder.SOCKET_LB) && protocol == Protocol.UDP;
    }

    /** Whether the chosen forwarders count bytes: only cvs.ko sees packets' lengths (of each first packet). */
    public boolean countsBytes() {
        return chosen.contains(Forwarder.MODULE);
    }

    /** True when every socket-LB program is attached, which is what forwarding from this host needs. */
    public boolean socketLbAttached() {
        return socketLb.attached() == SocketLbProgram.values().length;
    }
}
