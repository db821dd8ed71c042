package io.cvs.datapath.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * libcvsbpf's C API (cvsbpf.h), one native method per function, named as in C.
 *
 * <p>Bound by JNA direct mapping ({@link Native#register}) rather than an interface proxy: a proxy call goes
 * through {@code java.lang.reflect.Proxy}, an invocation handler, an {@code Object[]} of boxed arguments and a
 * per-argument type dispatch, while a direct-mapped native is a JNI method whose primitive and {@link Pointer}
 * arguments go to libffi as they are. The target is one service upsert from Java within 1.2x of the same call
 * from C, so the hot calls also take only pointers into a reused direct buffer ({@link CallBuffer}); JNA
 * {@code Structure} arguments, which are written and read back by reflection, appear only on cold calls.
 *
 * <p>Loading this class binds the library, routes its log to {@link NativeLog} and checks every struct's size and
 * field offsets, and the order of the maps, against C ({@link NativeLayout#verify()}); any mismatch fails the class
 * initialisation.
 */
final class LibCvsBpf {

    static {
        Native.register(LibCvsBpf.class, NativeLibrary.getInstance(bundledLibrary()));
        NativeLog.install();
        NativeLayout.verify();
    }

    private LibCvsBpf() {
    }

    /**
     * The libcvsbpf.so packaged with this build, by absolute path. By plain name JNA would search
     * {@code jna.library.path} and the system's library paths first, where an older installed copy could shadow the
     * one whose ABI this code was built against.
     */
    private static String bundledLibrary() {
        try {
            return Native.extractFromResourcePath("cvsbpf", LibCvsBpf.class.getClassLoader()).getAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("libcvsbpf.so is not on the classpath under linux-x86-64/", e);
        }
    }

    static native void cvs_set_log(NativeLog.Callback fn, Pointer ctx);

    static native int cvs_maps_open(String pinRoot, NativeStructs.CvsCapacity cap, int flags,
            PointerByReference out);

    static native void cvs_maps_close(Pointer m);

    static native int cvs_maps_usage(Pointer m, NativeStructs.CvsUsage out);

    static native int cvs_maps_ids(Pointer m, NativeStructs.CvsMapIds out);

    static native int cvs_maps_destroy(String pinRoot);

    static native int cvs_maps_resync(Pointer m);

    static native int cvs_maps_drift(Pointer m, NativeStructs.CvsDrift out);

    /** How many map pins it put back, or -errno. */
    static native int cvs_maps_repin(Pointer m);

    static native int cvs_maps_stage(Pointer m, NativeStructs.CvsCapacity cap, PointerByReference next);

    static native int cvs_maps_switch(Pointer m, Pointer next);

    static native int cvs_maps_discard(Pointer next);

    static native int cvs_service_upsert(Pointer m, Pointer key, Pointer backends, int n);

    /** policy: a struct cvs_service_policy, encoded by {@link CallBuffer} like the key and the backends. */
    static native int cvs_service_upsert_policy(Pointer m, Pointer key, Pointer policy, Pointer backends, int n);

    static native int cvs_service_policy_get(Pointer m, Pointer key, Pointer out);

    static native int cvs_service_delete(Pointer m, Pointer key);

    static native int cvs_service_get(Pointer m, Pointer key, NativeStructs.CvsServiceInfo info,
            Pointer backends, int cap);

    static native int cvs_service_list(Pointer m, Pointer keys, int cap, Pointer count);

    static native int cvs_service_counters(Pointer m, Pointer key, Pointer svc, Pointer backends, int cap,
            Pointer count);

    static native int cvs_service_pick(Pointer m, Pointer key, NativeStructs.CvsPick pick);

    static native int cvs_service_pick_flow(Pointer m, Pointer key, NativeStructs.CvsFlow flow,
            NativeStructs.CvsPick pick);

    /** cgroupPath null: the cgroup the socket-LB is attached to; addr: __be32[4], IPv4 in the first. */
    static native int cvs_client_netns(Pointer m, String cgroupPath, byte family, byte[] addr, LongByReference cookie);

    static native int cvs_affinity_usage(Pointer m, NativeStructs.CvsAffinityUsage out);

    static native int cvs_service_verify(Pointer m, Pointer key);

    static native int cvs_owner_get(Pointer m, NativeStructs.CvsOwner out);

    static native int cvs_owner_set(Pointer m, NativeStructs.CvsOwner rec);

    static native int cvs_services_check(Pointer m, Pointer keys, Pointer counts, Pointer want, int n,
            Pointer results);

    static native int cvs_services_check_policy(Pointer m, Pointer keys, Pointer policies, Pointer counts,
            Pointer want, int n, Pointer results);

    static native int cvs_counters_all(Pointer m, Pointer keys, Pointer svcs, Pointer members, int cap,
            Pointer backends, int beCap, Pointer count, Pointer beCount);

    /** len is a size_t: 64 bits on the one platform the build ships the library for (linux-x86-64). */
    static native int cvs_cgroup_default(byte[] path, long len);

    /** cgroupPath null: the default cgroup (cvs_cgroup_default). */
    static native int cvs_sock_attach(Pointer m, String cgroupPath);

    static native int cvs_sock_detach(Pointer m);

    static native int cvs_sock_status(Pointer m, NativeStructs.CvsSockStatus out);

    static native int cvs_module_bind(Pointer m);

    static native int cvs_module_unbind();

    static native int cvs_module_status(NativeStructs.CvsModuleStatus out);

    static native int cvs_flows_status(Pointer m, NativeStructs.CvsFlowsStatus out);

    /** cgroupPath null: the cgroup the programs are attached to. */
    static native int cvs_flows_sweep(Pointer m, String cgroupPath, Pointer resetTcp, int nReset, Pointer out,
            int cap, Pointer count);

    static native int cvs_module_sweep(Pointer m, Pointer resetTcp, int nReset, Pointer out, int cap,
            Pointer count);

    /** size_t, as for cvs_cgroup_default. */
    static native long cvs_sizeof(String typeName);

    /** size_t: sizeof the field, 0 when the struct or the field is unknown. */
    static native long cvs_field_sizeof(String typeName, String fieldName);

    /** null past the struct's last field, or for a struct C does not export. */
    static native String cvs_field_name(String typeName, int index);

    /** A C long, 64 bits as size_t is; -1 when the struct or the field is unknown. */
    static native long cvs_offsetof(String typeName, String fieldName);

    /** null from the number of maps on. */
    static native String cvs_map_name(int index);
}
