package io.cvs.write;

import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Usage;

/**
 * The maps' size for GET /api/v1/datapath/capacity: what the desired state takes of their capacity, how they grow,
 * and how often they were resized since start.
 *
 * @param usage   services and backends of the durable desired state against the maps' capacity
 * @param policy  the configured growth (cvs.bpf.capacity, cvs.bpf.growth)
 * @param resizes resizes since start, for any trigger
 * @param last    the last one; null when none since start
 */
public record CapacityState(Usage usage, CapacityPolicy policy, long resizes, LastResize last) {
}
