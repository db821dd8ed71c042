/**
 * The datapath feature: {@link io.cvs.datapath.Datapath}, the port through which the daemon's desired state
 * reaches whatever forwards connections, and its two adapters: {@link io.cvs.datapath.BpfDatapath} (the pinned
 * maps and socket-LB programs, through {@link io.cvs.datapath.bpf.MapSet}) and
 * {@link io.cvs.datapath.MemoryDatapath} (same rules, nothing forwarded). Which one runs is decided once at start
 * from {@code cvs.datapath} and a {@link io.cvs.datapath.HostProbe}; {@code GET /api/v1/datapath} and the
 * {@code datapath} health component report it.
 *
 * <p>May call {@code io.cvs.datapath.bpf} and {@code io.cvs.system}; the service registry calls this package,
 * never {@code bpf} directly.
 */
package io.cvs.datapath;

