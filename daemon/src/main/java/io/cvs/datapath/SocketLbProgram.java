package io.cvs.datapath;

import java.util.Locale;

/**
 * The socket-LB programs, one per cgroup attach type, in the order of enum cvs_sock_prog (cvsbpf.h), which is
 * also the order of the id arrays in struct cvs_sock_status. The IPv6 ones serve IPv6 VIPs and also IPv4 VIPs that
 * IPv6 sockets address as ::ffff:a.b.c.d (dual-stack runtimes such as Java's).
 */
public enum SocketLbProgram {
    /** TCP, and UDP connect(): VIP:port to a backend, once per socket. */
    CONNECT4,
    /** Unconnected UDP: VIP:port to a backend, per datagram. */
    SENDMSG4,
    /** Unconnected UDP replies: the VIP, not the backend, as their source. */
    RECVMSG4,
    /** Connected sockets: the VIP, not the backend, as the peer. */
    GETPEERNAME4,
    /** As {@link #CONNECT4}, for IPv6 sockets. */
    CONNECT6,
    /** As {@link #SENDMSG4}, for IPv6 sockets. */
    SENDMSG6,
    /** As {@link #RECVMSG4}, for IPv6 sockets. */
    RECVMSG6,
    /** As {@link #GETPEERNAME4}, for IPv6 sockets. */
    GETPEERNAME6;

    /** The short name of its attach type, as in the program's ELF section ({@code cgroup/connect4}): connect4, .... */
    public String attachType() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return attachType();
    }
}
