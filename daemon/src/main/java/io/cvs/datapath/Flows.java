package io.cvs.datapath;

import java.util.Objects;

/**
 * Ending the flows a datapath sent to a backend that can no longer be chosen (cvsbpf.h, "Flow sweeps"), so clients
 * reconnect to a live backend instead of talking to a dead one until they time out. A flow is stale when its
 * service is gone, its backend is no longer a member, or the member is {@linkplain Backend#down() down}; a drained
 * member (weight 0) keeps its flows. A sweep decides from what the datapath holds alone, so it needs no memory of
 * what changed and may run any number of times.
 */
public final class Flows {

    private Flows() {
    }

    /** How this kernel lets the socket-LB's sockets be ended (enum cvs_flow_mechanism). */
    public enum Mechanism {
        /** not at all: connected UDP sockets stay on a removed backend until the application gives up */
        NONE,
        /** BPF socket iterators with bpf_sock_destroy() (Linux 6.5 and later) */
        BPF_ITER,
        /** sock_diag SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY) */
        NETLINK
    }

    /** How a socket's backend is found again (enum cvs_reverse_mapping). */
    public enum ReverseMapping {
        /** only the LRU socket tables: an old socket may not be found once many newer ones exist */
        LRU,
        /** socket-local storage, freed with the socket */
        SOCKET
    }

    /**
     * What the host offers (struct cvs_flows_status).
     *
     * @param moduleSweeps whether cvs.ko is loaded and can delete its conntrack entries
     */
    public record Support(Mechanism mechanism, ReverseMapping reverseMapping, boolean moduleSweeps) {

        /** A datapath that forwards nothing, or a host that can end nothing. */
        public static final Support NONE = new Support(Mechanism.NONE, ReverseMapping.LRU, false);

        public Support {
            Objects.requireNonNull(mechanism, "mechanism");
            Objects.requireNonNull(reverseMapping, "reverseMapping");
        }
    }

    /**
     * What one sweep ended for one backend of one service (struct cvs_flow_count), summed over the forwarders.
     *
     * @param tcp TCP flows ended (only of services whose TCP flows are reset)
     * @param udp UDP flows ended
     */
    public record Ended(ServiceKey service, Endpoint backend, int tcp, int udp) {

        public Ended {
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(backend, "backend");
        }

        public int total() {
            return tcp + udp;
        }
    }
}
