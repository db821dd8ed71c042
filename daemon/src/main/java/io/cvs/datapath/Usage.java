package io.cvs.datapath;

/** Ids in use against the capacity (struct cvs_usage). */
public record Usage(Capacity max, int services, int backends) {
}
