package io.cvs.datapath.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.MapIds;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Java lays out every struct that crosses the boundary, and orders the maps, as the loaded libcvsbpf does (also
 * checked at load); and the check names what differs when C and Java disagree, shown by feeding it a C layout
 * that differs from the real one in one place.
 */
class NativeLayoutTest {

    private static final NativeLayout.CLayout C = NativeLayout.LIBCVSBPF;

    @Test
    void everyStructAndTheMapOrderAreCs() {
        assertThat(NativeLayout.differences(NativeLayout.javaLayouts(), MapIds.MAP_NAMES, C)).isEmpty();
        assertThatCode(NativeLayout::verify).doesNotThrowAnyException();
    }

    @Test
    void eachStructHasCsSizeAndEachFieldCsOffset() {
        for (NativeLayout.StructLayout struct : NativeLayout.javaLayouts()) {
            assertThat(C.sizeOf(struct.name())).as("sizeof(struct %s)", struct.name()).isPositive()
                    .isEqualTo(struct.size());
            assertThat(NativeLayout.cFields(C, struct.name())).as("fields of struct %s", struct.name())
                    .containsExactlyElementsOf(struct.offsets().keySet());
            struct.offsets().forEach((field, offset) -> assertThat(C.offsetOf(struct.name(), field))
                    .as("offsetof(struct %s, %s)", struct.name(), field).isEqualTo(offset.longValue()));
        }
    }

    @Test
    void theOffsetsCallBufferEncodesAreCs() {
        assertThat(C.offsetOf("cvs_service_key", "proto")).isEqualTo(NativeLayout.SVC_KEY_PROTO);
        assertThat(C.offsetOf("cvs_service_key", "family")).isEqualTo(NativeLayout.SVC_KEY_FAMILY);
        assertThat(C.offsetOf("cvs_backend_spec", "weight")).isEqualTo(NativeLayout.BACKEND_SPEC_WEIGHT);
        assertThat(C.offsetOf("cvs_service_counters", "retried")).isEqualTo(NativeLayout.SERVICE_COUNTERS_RETRIED);
        assertThat(C.offsetOf("cvs_backend_counters", "port")).isEqualTo(NativeLayout.BACKEND_COUNTERS_PORT);
        assertThat(LibCvsBpf.cvs_sizeof("cvs_backend_spec")).isEqualTo(24);
        // __be32 addr[4]: sixteen bytes wherever an address is, which NativeAddress reads and writes whole
        for (String struct : List.of("cvs_service_key", "cvs_backend_spec", "cvs_backend_counters", "cvs_pick")) {
            assertThat(LibCvsBpf.cvs_field_sizeof(struct, "addr")).as("sizeof %s.addr", struct)
                    .isEqualTo(NativeAddress.SIZE);
        }
    }

    @Test
    void cDoesNotPretendToKnowWhatItDoesNotExport() {
        assertThat(LibCvsBpf.cvs_sizeof("no_such_struct")).isZero();
        assertThat(LibCvsBpf.cvs_offsetof("cvs_service_key", "no_such_field")).isEqualTo(-1);
        assertThat(LibCvsBpf.cvs_offsetof("no_such_struct", "addr")).isEqualTo(-1);
        assertThat(LibCvsBpf.cvs_field_name("cvs_service_key", 4)).isNull();
        assertThat(LibCvsBpf.cvs_map_name(MapIds.MAP_NAMES.size())).isNull();
    }

    @Test
    void aFieldAtAnotherOffsetInCIsNamedWithBothOffsets() {
        NativeLayout.CLayout moved = new Differing() {
            @Override
            public long offsetOf(String struct, String field) {
                return struct.equals("cvs_backend_spec") && field.equals("weight") ? 22 : C.offsetOf(struct, field);
            }
        };

        assertThatThrownBy(() -> NativeLayout.verify(moved)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("struct cvs_backend_spec field weight: offset 20 in Java, 22 in C")
                .hasMessageNotContaining("cvs_service_key");
    }

    @Test
    void aJnaStructureIsCheckedFieldByFieldToo() {
        NativeLayout.CLayout moved = new Differing() {
            @Override
            public long offsetOf(String struct, String field) {
                return struct.equals("cvs_module_status") && field.equals("binds") ? 84 : C.offsetOf(struct, field);
            }
        };

        assertThat(NativeLayout.differences(NativeLayout.javaLayouts(), MapIds.MAP_NAMES, moved))
                .containsExactly("struct cvs_module_status field binds: offset 80 in Java, 84 in C");
    }

    @Test
    void aSizeThatDiffersIsNamed() {
        NativeLayout.CLayout grown = new Differing() {
            @Override
            public long sizeOf(String struct) {
                return struct.equals("cvs_pick") ? 56 : C.sizeOf(struct);
            }
        };

        assertThat(NativeLayout.differences(NativeLayout.javaLayouts(), MapIds.MAP_NAMES, grown))
                .containsExactly("struct cvs_pick: size 48 in Java, 56 in C");
    }

    @Test
    void aFieldOnlyCHasAndAFieldOnlyJavaHasAreNamed() {
        NativeLayout.CLayout renamed = new Differing() {
            @Override
            public String fieldName(String struct, int index) {
                String name = C.fieldName(struct, index);
                return struct.equals("cvs_service_key") && "family".equals(name) ? "flags" : name;
            }

            @Override
            public long offsetOf(String struct, String field) {
                if (struct.equals("cvs_service_key") && field.equals("family")) {
                    return -1;
                }
                return struct.equals("cvs_service_key") && field.equals("flags") ? 19 : C.offsetOf(struct, field);
            }
        };

        assertThat(NativeLayout.differences(NativeLayout.javaLayouts(), MapIds.MAP_NAMES, renamed))
                .containsExactly("struct cvs_service_key field family: in Java, not in C",
                        "struct cvs_service_key field flags: in C, not in Java");
    }

    @Test
    void aStructCDoesNotExportIsNamed() {
        NativeLayout.CLayout forgotten = new Differing() {
            @Override
            public long sizeOf(String struct) {
                return struct.equals("cvs_usage") ? 0 : C.sizeOf(struct);
            }
        };

        assertThatThrownBy(() -> NativeLayout.verify(forgotten))
                .hasMessageContaining("struct cvs_usage: libcvsbpf does not export it");
    }

    @Test
    void anotherMapOrderInCIsRefused() {
        NativeLayout.CLayout swapped = new Differing() {
            @Override
            public String mapName(int index) {
                return C.mapName(index == 1 ? 2 : index == 2 ? 1 : index);
            }
        };

        assertThatThrownBy(() -> NativeLayout.verify(swapped)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("map order: [cvs_meta_v1, cvs_svc_v1, cvs_gen_v1,")
                .hasMessageContaining("in Java (MapIds), [cvs_meta_v1, cvs_gen_v1, cvs_svc_v1,");
    }

    @Test
    void anExtraMapInCIsRefused() {
        NativeLayout.CLayout more = new Differing() {
            @Override
            public String mapName(int index) {
                return index == MapIds.MAP_NAMES.size() ? "cvs_svc7_v1" : C.mapName(index);
            }
        };

        assertThat(NativeLayout.differences(NativeLayout.javaLayouts(), MapIds.MAP_NAMES, more)).singleElement()
                .asString().startsWith("map order: ").endsWith("cvs_maglev_v1, cvs_aff_v1, cvs_svc7_v1] in C");
    }

    /** CvsMapIds (in C's field order, checked above) becomes MapIds component by component, in that order. */
    @Test
    void mapIdsTakeCsIdsInTheirOrder() throws ReflectiveOperationException {
        NativeStructs.CvsMapIds ids = new NativeStructs.CvsMapIds();
        List<String> fields = ids.fieldNames();
        for (int i = 0; i < fields.size(); i++) {
            NativeStructs.CvsMapIds.class.getField(fields.get(i)).setInt(ids, 100 + i);
        }

        MapIds mapIds = ids.toMapIds();

        List<Object> components = new ArrayList<>();
        for (RecordComponent component : MapIds.class.getRecordComponents()) {
            components.add(component.getAccessor().invoke(mapIds));
        }
        assertThat(components).hasSize(MapIds.MAP_NAMES.size()).hasSameSizeAs(fields)
                .isEqualTo(IntStream.range(100, 100 + fields.size()).boxed().collect(Collectors.toList()));
    }

    /** The real C layout, to be changed in one place by each test. */
    private static class Differing implements NativeLayout.CLayout {
        @Override
        public long sizeOf(String struct) {
            return C.sizeOf(struct);
        }

        @Override
        public String fieldName(String struct, int index) {
            return C.fieldName(struct, index);
        }

        @Override
        public long offsetOf(String struct, String field) {
            return C.offsetOf(struct, field);
        }

        @Override
        public String mapName(int index) {
            return C.mapName(index);
        }
    }
}
