/**
 * The daemon's access to the pinned cvs map set, through libcvsbpf (libcvsbpf/include/cvsbpf.h).
 *
 * <p>{@link io.cvs.datapath.bpf.MapSet} is the one entry point, for the maps and for attaching the socket-LB
 * programs to a cgroup; the records beside it are its values and {@link io.cvs.datapath.bpf.BpfMapException} its
 * one error. Everything that touches native memory (the JNA binding, the struct layouts, the log callback) is
 * package-private. libcvsbpf is the authority on what is valid: this package passes values through and turns its
 * negative errno results into exceptions; it only refuses what C could not even be shown (null, a port that does
 * not fit in 16 bits).
 *
 * <p>The native library is loaded from the classpath ({@code linux-x86-64/libcvsbpf.so}, put there by the build).
 */
package io.cvs.datapath.bpf;
