package io.cvs.selection;

import java.net.InetAddress;

/**
 * cvs_flow_hash of cvs_select.h in Java: MurmurHash3's 32-bit mixing over twelve words as they lie in memory on a
 * little-endian host (network-order fields read as little-endian words), so it gives what every datapath computes
 * for a flow. The memory datapath's pick uses it; the tests hold it against libcvsbpf's.
 */
public final class FlowHash {

    private static final int SEED = 0x63767331;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private FlowHash() {
    }

    /** The flow hash of client asking for the service at vip, port and IP protocol number, unsigned. */
    public static long of(ClientFlow client, InetAddress vip, int port, int protocol) {
        int h = SEED;
        h = word(h, (int) client.netnsCookie());
        h = word(h, (int) (client.netnsCookie() >>> 32));
        int[] source = words(client.address());
        for (int w : source) {
            h = word(h, w);
        }
        for (int w : words(vip)) {
            h = word(h, w);
        }
        h = word(h, swap16(client.port()) | swap16(port) << 16);
        h = word(h, protocol | (vip.getAddress().length == 16 ? AF_INET6 : AF_INET) << 8);
        return Integer.toUnsignedLong(finish(h, 12));
    }

    /** A port as its network-order bytes read as a little-endian u16. */
    private static int swap16(int port) {
        return (port >>> 8 | port << 8) & 0xffff;
    }

    /** __be32[4] (IPv4 in the first) read as little-endian words; all zero for no address. */
    private static int[] words(InetAddress address) {
        int[] words = new int[4];
        if (address == null) {
            return words;
        }
        byte[] bytes = address.getAddress();
        for (int i = 0; i < bytes.length / 4; i++) {
            words[i] = (bytes[4 * i] & 0xff) | (bytes[4 * i + 1] & 0xff) << 8 | (bytes[4 * i + 2] & 0xff) << 16
                    | (bytes[4 * i + 3] & 0xff) << 24;
        }
        return words;
    }

    private static int word(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int finish(int h, int words) {
        h ^= words * 4;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
