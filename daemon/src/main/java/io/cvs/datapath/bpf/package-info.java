/**
 * The BPF adapter of the datapath port: the pinned cvs map set and the socket-LB programs, through libcvsbpf
 * (libcvsbpf/include/cvsbpf.h) and JNA.
 *
 * <p>{@link io.cvs.datapath.bpf.BpfDatapath} is the package's one public type: {@code start} for the daemon's
 * configuration, {@code readOnly} and {@code uninstall} for tools. Everything else is package-private:
 * {@link io.cvs.datapath.bpf.MapSet} (the one way into the maps and the attachment), the JNA binding, the struct
 * layouts (checked at load against the sizes and field offsets libcvsbpf exports), the log callback and
 * {@link io.cvs.datapath.bpf.BpfMapException}, libcvsbpf's negative errno as an exception. libcvsbpf is the
 * authority on what is valid: this package passes values through and turns refusals into the port's
 * {@link io.cvs.datapath.DatapathException}.
 *
 * <p>The native library is loaded from the classpath ({@code linux-x86-64/libcvsbpf.so}, put there by the build).
 * May call {@code io.cvs.datapath} and {@code io.cvs.system}.
 */
package io.cvs.datapath.bpf;
