package io.cvs.address;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The addresses of this host's interfaces, in the daemon's network namespace: a VIP must not be one of them, since
 * the datapath would take over the connections meant for the local service on that address. An interface so that
 * tests can give a set of their own; a daemon that forwards reads {@link NetworkInterface} each time it asks, one
 * on the memory datapath (which forwards nothing, so a VIP takes nothing over) has {@link #none()}.
 */
@FunctionalInterface
public interface LocalAddresses {

    /** The addresses now; IPv6 ones without their zone, so that they compare equal to parsed VIPs. */
    Set<InetAddress> now();

    /** No address: for a datapath that forwards nothing (then no VIP takes anything over), and for tools. */
    static LocalAddresses none() {
        return Set::of;
    }

    /** What java.net.NetworkInterface reports for every interface, up or down. */
    static LocalAddresses ofInterfaces() {
        return () -> {
            try {
                return NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses)
                        .map(a -> IpAddresses.address(a.getAddress())).collect(Collectors.toUnmodifiableSet());
            } catch (SocketException e) {
                throw new UncheckedIOException("cannot list this host's interfaces", e);
            }
        };
    }
}
