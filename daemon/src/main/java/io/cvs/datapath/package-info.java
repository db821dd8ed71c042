/**
 * The datapath port: {@link io.cvs.datapath.Datapath}, through which the daemon's desired state reaches whatever
 * forwards connections, in the daemon's own terms: {@link io.cvs.datapath.ServiceKey},
 * {@link io.cvs.datapath.Backend}, {@link io.cvs.datapath.Protocol}, counters, {@link io.cvs.datapath.Capacity}
 * and {@link io.cvs.datapath.Usage}, {@link io.cvs.datapath.DatapathStatus} and its parts,
 * {@link io.cvs.datapath.Flows} (ending the flows of backends that left), and one error,
 * {@link io.cvs.datapath.DatapathException}. {@link io.cvs.datapath.MemoryDatapath} is the adapter that forwards
 * nothing and follows the same rules; the BPF adapter is {@code io.cvs.datapath.bpf}.
 *
 * <p>May call {@code io.cvs.system} only: the adapters depend on this package, never the other way.
 */
package io.cvs.datapath;
