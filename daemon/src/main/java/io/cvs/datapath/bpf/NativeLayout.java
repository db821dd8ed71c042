package io.cvs.datapath.bpf;

import io.cvs.datapath.MapIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sizes and field offsets of the structs that {@link CallBuffer} encodes by hand, and the check that Java's idea of
 * every struct that crosses the boundary, and of the order of the maps, is the loaded libcvsbpf's: its size, each
 * field's name and offset, and the map names in {@link MapIds} order.
 */
final class NativeLayout {

    /** struct cvs_service_key: __be32 addr[4], __be16 port, __u8 proto, __u8 family. */
    static final int SVC_KEY_SIZE = 20;
    static final int SVC_KEY_ADDR = 0;
    static final int SVC_KEY_PORT = 16;
    static final int SVC_KEY_PROTO = 18;
    static final int SVC_KEY_FAMILY = 19;

    /** struct cvs_backend_spec: __be32 addr[4], __be16 port, __u16 flags, __u32 weight. */
    static final int BACKEND_SPEC_SIZE = 24;
    static final int BACKEND_SPEC_ADDR = 0;
    static final int BACKEND_SPEC_PORT = 16;
    static final int BACKEND_SPEC_FLAGS = 18;
    /** cvs_abi.h CVS_MEMBER_F_DOWN: the member is taken out by health checks ({@link io.cvs.datapath.Backend#down}). */
    static final short MEMBER_F_DOWN = 1;
    static final int BACKEND_SPEC_WEIGHT = 20;

    /** struct cvs_service_policy: __u32 flags, affinity_timeout, maglev_slots, pad. */
    static final int SERVICE_POLICY_SIZE = 16;
    static final int SERVICE_POLICY_FLAGS = 0;
    static final int SERVICE_POLICY_AFFINITY_TIMEOUT = 4;
    static final int SERVICE_POLICY_MAGLEV_SLOTS = 8;
    /** Never written but as zero; listed so that the check knows Java accounts for every field of the struct. */
    static final int SERVICE_POLICY_PAD = 12;
    /** cvs_abi.h CVS_POLICY_F_MAGLEV and CVS_POLICY_F_AFFINITY. */
    static final int POLICY_F_MAGLEV = 1;
    static final int POLICY_F_AFFINITY = 2;

    /** struct cvs_service_counters: __u64 refused, __u64 retried. */
    static final int SERVICE_COUNTERS_SIZE = 16;
    static final int SERVICE_COUNTERS_REFUSED = 0;
    static final int SERVICE_COUNTERS_RETRIED = 8;

    /**
     * struct cvs_backend_counters: __u64 conns, packets, bytes; __be32 addr[4]; __be16 port; __u16 pad;
     * __u32 pad2.
     */
    static final int BACKEND_COUNTERS_SIZE = 48;
    static final int BACKEND_COUNTERS_CONNS = 0;
    static final int BACKEND_COUNTERS_PACKETS = 8;
    static final int BACKEND_COUNTERS_BYTES = 16;
    static final int BACKEND_COUNTERS_ADDR = 24;
    static final int BACKEND_COUNTERS_PORT = 40;
    /** Never read; listed so that the check knows Java accounts for every field of the struct. */
    static final int BACKEND_COUNTERS_PAD = 42;
    static final int BACKEND_COUNTERS_PAD2 = 44;

    /**
     * struct cvs_flow_count: struct cvs_service_key service; __be32 backend[4]; __be16 backend_port; __u16 pad;
     * __u32 tcp; __u32 udp; __u32 pad2.
     */
    static final int FLOW_COUNT_SIZE = 52;
    static final int FLOW_COUNT_SERVICE = 0;
    static final int FLOW_COUNT_BACKEND = 20;
    static final int FLOW_COUNT_BACKEND_PORT = 36;
    /** Never read; listed so that the check knows Java accounts for every field of the struct. */
    static final int FLOW_COUNT_PAD = 38;
    static final int FLOW_COUNT_TCP = 40;
    static final int FLOW_COUNT_UDP = 44;
    static final int FLOW_COUNT_PAD2 = 48;

    /** More maps than C could ever export: ends the walk over a table that never says it ended. */
    private static final int MAPS_LIMIT = 64;

    private NativeLayout() {
    }

    /** What C says about the layout; {@link #LIBCVSBPF} is the loaded library, tests substitute their own. */
    interface CLayout {

        /** sizeof the struct, 0 when C does not export it. */
        long sizeOf(String struct);

        /** The struct's field number index in declaration order, null past the last. */
        String fieldName(String struct, int index);

        /** offsetof the field, -1 when C does not know it. */
        long offsetOf(String struct, String field);

        /** The name of map number index of the set, null past the last. */
        String mapName(int index);
    }

    static final CLayout LIBCVSBPF = new CLayout() {
        @Override
        public long sizeOf(String struct) {
            return LibCvsBpf.cvs_sizeof(struct);
        }

        @Override
        public String fieldName(String struct, int index) {
            return LibCvsBpf.cvs_field_name(struct, index);
        }

        @Override
        public long offsetOf(String struct, String field) {
            return LibCvsBpf.cvs_offsetof(struct, field);
        }

        @Override
        public String mapName(int index) {
            return LibCvsBpf.cvs_map_name(index);
        }
    };

    /** Java's layout of one C struct: its size and every field's offset, in declaration order. */
    record StructLayout(String name, int size, Map<String, Integer> offsets) {

        static StructLayout of(String name, NativeStructs.NativeStruct struct) {
            Map<String, Integer> offsets = new LinkedHashMap<>();
            for (String field : struct.fieldNames()) {
                offsets.put(field, struct.offsetOf(field));
            }
            return new StructLayout(name, struct.size(), offsets);
        }

        /** For a struct encoded by hand: field names and offsets, alternating. */
        static StructLayout encoded(String name, int size, Object... fieldsAndOffsets) {
            Map<String, Integer> offsets = new LinkedHashMap<>();
            for (int i = 0; i < fieldsAndOffsets.length; i += 2) {
                offsets.put((String) fieldsAndOffsets[i], (Integer) fieldsAndOffsets[i + 1]);
            }
            return new StructLayout(name, size, offsets);
        }
    }

    /** Every struct that crosses the boundary, as Java lays it out. */
    static List<StructLayout> javaLayouts() {
        return List.of(
                StructLayout.of("cvs_capacity", new NativeStructs.CvsCapacity()),
                StructLayout.of("cvs_usage", new NativeStructs.CvsUsage()),
                StructLayout.of("cvs_map_ids", new NativeStructs.CvsMapIds()),
                StructLayout.of("cvs_service_info", new NativeStructs.CvsServiceInfo()),
                StructLayout.of("cvs_pick", new NativeStructs.CvsPick()),
                StructLayout.of("cvs_sock_status", new NativeStructs.CvsSockStatus()),
                StructLayout.of("cvs_module_status", new NativeStructs.CvsModuleStatus()),
                StructLayout.of("cvs_flows_status", new NativeStructs.CvsFlowsStatus()),
                StructLayout.of("cvs_flow", new NativeStructs.CvsFlow()),
                StructLayout.of("cvs_affinity_usage", new NativeStructs.CvsAffinityUsage()),
                StructLayout.of("cvs_owner", new NativeStructs.CvsOwner()),
                StructLayout.of("cvs_drift", new NativeStructs.CvsDrift()),
                StructLayout.encoded("cvs_service_policy", SERVICE_POLICY_SIZE, "flags", SERVICE_POLICY_FLAGS,
                        "affinity_timeout", SERVICE_POLICY_AFFINITY_TIMEOUT, "maglev_slots",
                        SERVICE_POLICY_MAGLEV_SLOTS, "pad", SERVICE_POLICY_PAD),
                StructLayout.encoded("cvs_flow_count", FLOW_COUNT_SIZE, "service", FLOW_COUNT_SERVICE, "backend",
                        FLOW_COUNT_BACKEND, "backend_port", FLOW_COUNT_BACKEND_PORT, "pad", FLOW_COUNT_PAD, "tcp",
                        FLOW_COUNT_TCP, "udp", FLOW_COUNT_UDP, "pad2", FLOW_COUNT_PAD2),
                StructLayout.encoded("cvs_service_key", SVC_KEY_SIZE, "addr", SVC_KEY_ADDR, "port", SVC_KEY_PORT,
                        "proto", SVC_KEY_PROTO, "family", SVC_KEY_FAMILY),
                StructLayout.encoded("cvs_backend_spec", BACKEND_SPEC_SIZE, "addr", BACKEND_SPEC_ADDR, "port",
                        BACKEND_SPEC_PORT, "flags", BACKEND_SPEC_FLAGS, "weight", BACKEND_SPEC_WEIGHT),
                StructLayout.encoded("cvs_service_counters", SERVICE_COUNTERS_SIZE, "refused",
                        SERVICE_COUNTERS_REFUSED, "retried", SERVICE_COUNTERS_RETRIED),
                StructLayout.encoded("cvs_backend_counters", BACKEND_COUNTERS_SIZE, "conns", BACKEND_COUNTERS_CONNS,
                        "packets", BACKEND_COUNTERS_PACKETS, "bytes", BACKEND_COUNTERS_BYTES, "addr",
                        BACKEND_COUNTERS_ADDR, "port", BACKEND_COUNTERS_PORT, "pad", BACKEND_COUNTERS_PAD, "pad2",
                        BACKEND_COUNTERS_PAD2));
    }

    /** C's fields of the struct, in declaration order. */
    static List<String> cFields(CLayout c, String struct) {
        List<String> fields = new ArrayList<>();
        for (String field; (field = c.fieldName(struct, fields.size())) != null;) {
            fields.add(field);
        }
        return fields;
    }

    /** C's maps, in the set's order. */
    static List<String> cMaps(CLayout c) {
        List<String> maps = new ArrayList<>();
        for (String map; maps.size() < MAPS_LIMIT && (map = c.mapName(maps.size())) != null;) {
            maps.add(map);
        }
        return maps;
    }

    /** Each difference between Java's layouts and map order and C's, one sentence naming what differs. */
    static List<String> differences(List<StructLayout> java, List<String> javaMaps, CLayout c) {
        List<String> differences = new ArrayList<>();
        for (StructLayout struct : java) {
            String name = struct.name();
            long cSize = c.sizeOf(name);
            if (cSize == 0) {
                differences.add("struct " + name + ": libcvsbpf does not export it");
                continue;
            }
            if (cSize != struct.size()) {
                differences.add(String.format("struct %s: size %d in Java, %d in C", name, struct.size(), cSize));
            }
            List<String> cFields = cFields(c, name);
            struct.offsets().forEach((field, offset) -> {
                long cOffset = c.offsetOf(name, field);
                if (cOffset < 0 || !cFields.contains(field)) {
                    differences.add(String.format("struct %s field %s: in Java, not in C", name, field));
                } else if (cOffset != offset) {
                    differences.add(String.format("struct %s field %s: offset %d in Java, %d in C", name, field,
                            offset, cOffset));
                }
            });
            cFields.stream().filter(field -> !struct.offsets().containsKey(field)).forEach(field -> differences
                    .add(String.format("struct %s field %s: in C, not in Java", name, field)));
            List<String> javaFields = List.copyOf(struct.offsets().keySet());
            if (javaFields.size() == cFields.size() && javaFields.containsAll(cFields)
                    && !javaFields.equals(cFields)) {
                differences.add(String.format("struct %s: fields in the order %s in Java, %s in C", name,
                        javaFields, cFields));
            }
        }
        List<String> cMaps = cMaps(c);
        if (!cMaps.equals(javaMaps)) {
            differences.add(String.format("map order: %s in Java (MapIds), %s in C", javaMaps, cMaps));
        }
        return differences;
    }

    /** A layout mismatch would corrupt memory on the first call, so refuse to run at all. */
    static void verify() {
        verify(LIBCVSBPF);
    }

    static void verify(CLayout c) {
        List<String> differences = differences(javaLayouts(), MapIds.MAP_NAMES, c);
        if (!differences.isEmpty()) {
            throw new IllegalStateException(
                    "libcvsbpf's layout differs from the Java binding: " + String.join("; ", differences));
        }
    }
}
