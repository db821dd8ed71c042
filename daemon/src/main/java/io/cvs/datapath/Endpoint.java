package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** A backend's identity within a service: address and port, whatever its weight. */
public record Endpoint(InetAddress address, int port) {

    /**
     * Backends in (family, address, port) order, addresses compared as unsigned bytes: the order libcvsbpf builds a
     * Maglev table in, so that the table depends on the backends alone.
     */
    public static final Comparator<Backend> ORDER = Comparator
            .comparingInt((Backend b) -> b.address().getAddress().length)
            .thenComparing(b -> b.address().getAddress(), Arrays::compareUnsigned)
            .thenComparingInt(Backend::port);

    public Endpoint {
        Objects.requireNonNull(address, "address");
        requireSixteenBits(port);
    }

    /** The one check Java makes itself: C receives ports as 16 bits, so a wider value would silently wrap. */
    static int requireSixteenBits(int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
        return port;
    }

    public static Endpoint of(Backend backend) {
        return new Endpoint(backend.address(), backend.port());
    }

    static Set<Endpoint> of(List<Backend> backends) {
        Set<Endpoint> endpoints = new HashSet<>();
        backends.forEach(b -> endpoints.add(of(b)));
        return endpoints;
    }

    /**
     * How many backends of desired are not in current, each needing a free backend id: the maps write a new set
     * beside the one it replaces, so the ids of removed backends come back only after the change.
     */
    public static int fresh(List<Backend> desired, List<Backend> current) {
        Set<Endpoint> kept = of(current);
        return (int) desired.stream().filter(b -> !kept.contains(of(b))).count();
    }

    @Override
    public String toString() {
        return IpAddresses.withPort(address, port);
    }
}
