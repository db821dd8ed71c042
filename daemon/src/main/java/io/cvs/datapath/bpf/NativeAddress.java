package io.cvs.datapath.bpf;

import io.cvs.address.IpAddresses;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An address as libcvsbpf's structs hold it: {@code __be32 addr[4]}, sixteen bytes in network order, an IPv4
 * address in the first four and zeros after; which family is said by the service key's family, for the key and
 * for every backend of the service.
 */
final class NativeAddress {

    static final int SIZE = 16;
    /** Linux's address family numbers, as struct cvs_service_key's family takes them. */
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    private NativeAddress() {
    }

    static int family(InetAddress address) {
        return IpAddresses.isIpv6(address) ? AF_INET6 : AF_INET;
    }

    /** The sixteen bytes of addr[4]. */
    static byte[] bytes(InetAddress address) {
        return Arrays.copyOf(address.getAddress(), SIZE);
    }

    /** The address of addr[4]'s sixteen bytes in the family. */
    static InetAddress address(byte[] sixteen, int family) {
        return switch (family) {
            case AF_INET6 -> IpAddresses.address(sixteen);
            case AF_INET -> IpAddresses.address(Arrays.copyOf(sixteen, 4));
            default -> throw new IllegalStateException("libcvsbpf returned address family " + family);
        };
    }
}
