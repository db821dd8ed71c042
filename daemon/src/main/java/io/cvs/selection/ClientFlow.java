package io.cvs.selection;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Who asks a datapath for a backend, as it keys the client (struct cvs_flow): the socket-LB knows the client's
 * network namespace (its cookie) and no source address for a socket not bound before connect(); cvs.ko knows a
 * routed packet's source address and port and no namespace (cookie 0).
 *
 * @param address the client's address; null for a socket-LB client (the kernel chooses it after the hook)
 * @param port    the client's port, 0 when unknown
 */
public record ClientFlow(Kind kind, long netnsCookie, InetAddress address, int port) {

    public enum Kind {
        /** a process below the socket-LB's cgroup, keyed by its network namespace cookie */
        SOCKET_LB,
        /** a packet cvs.ko translates, keyed by its source address and port */
        ROUTED
    }

    public ClientFlow {
        Objects.requireNonNull(kind, "kind");
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
    }

    public static ClientFlow socketLb(long netnsCookie) {
        return new ClientFlow(Kind.SOCKET_LB, netnsCookie, null, 0);
    }

    public static ClientFlow routed(InetAddress address, int port) {
        return new ClientFlow(Kind.ROUTED, 0, Objects.requireNonNull(address, "address"), port);
    }
}
