package io.cvs.datapath;

/** Transport protocol of a service, with its IP protocol number as the maps store it. */
public enum Protocol {
    TCP(6),
    UDP(17);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static Protocol ofNumber(int number) {
        for (Protocol p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        throw new IllegalStateException("the maps hold a service with IP protocol " + number);
    }
}
