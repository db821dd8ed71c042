package io.cvs.datapath;

/** Ids in use against the capacity (struct cvs_usage); maglevTables: Maglev regions held by MAGLEV services. */
public record Usage(Capacity max, int services, int backends, int maglevTables) {

    /** A usage without MAGLEV services. */
    public Usage(Capacity max, int services, int backends) {
        this(max, services, backends, 0);
    }
}
