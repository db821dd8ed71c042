/**
 * Which datapath this host runs: chosen once at start from {@code cvs.datapath} and a
 * {@link io.cvs.datapath.host.HostProbe} ({@link io.cvs.datapath.host.DatapathChoice}), opened by
 * {@link io.cvs.datapath.host.DatapathConfiguration} (the BPF one through its one entry,
 * {@link io.cvs.datapath.bpf.BpfDatapath#start}), and reported: {@code GET /api/v1/datapath}, the
 * {@code datapath} health component, {@code cvs_map_*} and {@code cvs_datapath_info}.
 *
 * <p>May call {@code io.cvs.datapath}, {@code io.cvs.datapath.bpf} (BpfDatapath only) and {@code io.cvs.system}.
 */
package io.cvs.datapath.host;
