package io.cvs.selection;

/**
 * Session affinity entries the datapath holds (struct cvs_affinity_usage): all of them, the fresh ones (used
 * within their service's timeout, of a service that still has affinity) and the room for them.
 */
public record AffinityUsage(long entries, long fresh, long capacity) {
}
