package io.cvs.datapath.bpf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sizes and field offsets of the structs that {@link CallBuffer} encodes by hand, and the check that Java's idea
 * of every struct that crosses the boundary matches C's {@code sizeof}.
 */
final class NativeLayout {

    /** struct cvs_svc_key: __be32 addr, __be16 port, __u8 proto, __u8 pad. */
    static final int SVC_KEY_SIZE = 8;
    static final int SVC_KEY_ADDR = 0;
    static final int SVC_KEY_PORT = 4;
    static final int SVC_KEY_PROTO = 6;
    static final int SVC_KEY_PAD = 7;

    /** struct cvs_backend_spec: __be32 addr, __be16 port, __u16 pad, __u32 weight. */
    static final int BACKEND_SPEC_SIZE = 12;
    static final int BACKEND_SPEC_ADDR = 0;
    static final int BACKEND_SPEC_PORT = 4;
    static final int BACKEND_SPEC_PAD = 6;
    static final int BACKEND_SPEC_WEIGHT = 8;

    /** struct cvs_service_counters: __u64 refused, __u64 retried. */
    static final int SERVICE_COUNTERS_SIZE = 16;
    static final int SERVICE_COUNTERS_REFUSED = 0;
    static final int SERVICE_COUNTERS_RETRIED = 8;

    /** struct cvs_backend_counters: __u64 conns, packets, bytes; __be32 addr; __be16 port; __u16 pad. */
    static final int BACKEND_COUNTERS_SIZE = 32;
    static final int BACKEND_COUNTERS_CONNS = 0;
    static final int BACKEND_COUNTERS_PACKETS = 8;
    static final int BACKEND_COUNTERS_BYTES = 16;
    static final int BACKEND_COUNTERS_ADDR = 24;
    static final int BACKEND_COUNTERS_PORT = 28;

    private NativeLayout() {
    }

    /** C struct name to the size Java uses for it, for every struct that crosses the boundary. */
    static Map<String, Integer> javaSizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("cvs_capacity", new NativeStructs.CvsCapacity().size());
        sizes.put("cvs_usage", new NativeStructs.CvsUsage().size());
        sizes.put("cvs_map_ids", new NativeStructs.CvsMapIds().size());
        sizes.put("cvs_service_info", new NativeStructs.CvsServiceInfo().size());
        sizes.put("cvs_pick", new NativeStructs.CvsPick().size());
        sizes.put("cvs_sock_status", new NativeStructs.CvsSockStatus().size());
        sizes.put("cvs_module_status", new NativeStructs.CvsModuleStatus().size());
        sizes.put("cvs_svc_key", SVC_KEY_SIZE);
        sizes.put("cvs_backend_spec", BACKEND_SPEC_SIZE);
        sizes.put("cvs_service_counters", SERVICE_COUNTERS_SIZE);
        sizes.put("cvs_backend_counters", BACKEND_COUNTERS_SIZE);
        return sizes;
    }

    /** C struct name to its sizeof as the loaded library reports it (0 when the library does not know it). */
    static Map<String, Long> cSizes() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String name : javaSizes().keySet()) {
            sizes.put(name, LibCvsBpf.cvs_sizeof(name));
        }
        return sizes;
    }

    /** A layout mismatch would corrupt memory on the first call, so refuse to run at all. */
    static void verify() {
        Map<String, Integer> java = javaSizes();
        Map<String, Long> c = cSizes();
        StringBuilder mismatches = new StringBuilder();
        java.forEach((name, size) -> {
            if (c.get(name) != size.longValue()) {
                mismatches.append(String.format(" %s: Java %d, C %d;", name, size, c.get(name)));
            }
        });
        if (mismatches.length() > 0) {
            throw new IllegalStateException("libcvsbpf struct layout differs from the Java binding:" + mismatches);
        }
    }
}
