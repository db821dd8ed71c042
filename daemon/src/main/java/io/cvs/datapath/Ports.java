package io.cvs.datapath;

/** The one check Java makes itself: C receives ports as 16 bits, so a wider value would silently wrap. */
final class Ports {

    private Ports() {
    }

    static int requireSixteenBits(int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " is outside 0..65535");
        }
        return port;
    }
}
