package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import io.cvs.testing.Bpftool;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What Java writes is what the kernel maps hold, as C readers see them. */
class ServiceReadBackTest {

    /** Small, so that bpftool dumps of the array maps stay short. */
    private static final Capacity SMALL = new Capacity(4, 16, 4, 16);

    private static final ServiceKey WEB = tcp("192.0.2.10", 80);
    private static final List<Backend> BACKENDS = List.of(
            backend("10.1.0.1", 8080, 3),
            backend("10.1.0.2", 8081, 0),
            backend("10.1.0.3", 8082, 1));

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void bpftoolSeesTheServiceWithItsBackendsInNetworkOrder() throws Exception {
        Path root = pinRoots.fresh();
        try (MapSet maps = MapSet.open(root, SMALL, OpenMode.CREATE)) {
            maps.upsert(WEB, BACKENDS);

            List<Bpftool.Entry> services = Bpftool.dump(root.resolve("cvs_svc_v1"));
            assertThat(services).hasSize(1);
            assertThat(services.get(0).key()).containsExactly(192, 0, 2, 10, 0, 80, 6, 0);
            // struct cvs_svc: __u32 id, __u32 flags; the generation word lives in cvs_gen_v1[id]
            ByteBuffer svc = littleEndian(services.get(0).value());
            int id = svc.getInt(0);
            assertThat(svc.getInt(4)).as("flags").isZero();
            long word = littleEndian(byIndex(Bpftool.dump(root.resolve("cvs_gen_v1"))).get(id)).getLong(0);
            int gen = (int) word;
            int slots = (int) (word >>> 32);
            int half = gen & 1;
            assertThat(gen).isEqualTo(maps.get(WEB).orElseThrow().generation());
            int members = BACKENDS.size();

            // struct cvs_member: __u32 backend_id, __u16 weight, __u16 flags, in configured order
            Map<Integer, byte[]> memberEntries = byIndex(Bpftool.dump(root.resolve("cvs_mbr_v1")));
            int[] backendIds = new int[members];
            for (int j = 0; j < members; j++) {
                ByteBuffer member = littleEndian(memberEntries.get((id * 2 + half) * SMALL.maxMembers() + j));
                backendIds[j] = member.getInt(0);
                assertThat(Short.toUnsignedInt(member.getShort(4))).as("weight of member " + j)
                        .isEqualTo(BACKENDS.get(j).weight());
                assertThat(member.getShort(6)).as("flags of member " + j).isZero();
            }
            assertThat(littleEndian(memberEntries.get((id * 2 + half) * SMALL.maxMembers() + members)).getInt(0))
                    .as("end of the member list").isEqualTo(0xffffffff);
            // struct cvs_backend: __be32 addr, __be16 port, __u16 pad, __u32 svc_id, __u32 flags
            Map<Integer, byte[]> backendRecords = byIndex(Bpftool.dump(root.resolve("cvs_be_v1")));
            assertThat(backendRecords.get(backendIds[0])).containsExactly(10, 1, 0, 1, 0x1f, 0x90, 0, 0, id, 0, 0, 0,
                    0, 0, 0, 0);
            assertThat(backendRecords.get(backendIds[1])).containsExactly(10, 1, 0, 2, 0x1f, 0x91, 0, 0, id, 0, 0, 0,
                    0, 0, 0, 0);
            assertThat(backendRecords.get(backendIds[2])).containsExactly(10, 1, 0, 3, 0x1f, 0x92, 0, 0, id, 0, 0, 0,
                    0, 0, 0, 0);

            Map<Integer, byte[]> selection = byIndex(Bpftool.dump(root.resolve("cvs_sel_v1")));
            Map<Integer, Long> picksPerBackend = IntStream.range(0, slots)
                    .mapToObj(i -> littleEndian(selection.get((id * 2 + half) * SMALL.tableSlots() + i)).getInt(0))
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(picksPerBackend).as("selection slots per backend id, weights 3:0:1")
                    .containsOnlyKeys(backendIds[0], backendIds[2]);
            assertThat(picksPerBackend.get(backendIds[0])).isEqualTo(3 * picksPerBackend.get(backendIds[2]));
        }
    }

    @Test
    void aReadOnlyHandleBesideTheWriterReadsWhatTheWriterWrote() {
        Path root = pinRoots.fresh();
        try (MapSet writer = MapSet.open(root, SMALL, OpenMode.CREATE)) {
            writer.upsert(WEB, BACKENDS);

            try (MapSet reader = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
                assertThat(reader.list()).containsExactly(WEB);
                ServiceInfo read = reader.get(WEB).orElseThrow();
                assertThat(read.backends()).isEqualTo(BACKENDS);
                assertThat(read).isEqualTo(writer.get(WEB).orElseThrow());
                assertThat(reader.capacity()).isEqualTo(SMALL);
            }
        }
    }

    @Test
    void aDeletedServiceIsGoneForEveryReader() {
        Path root = pinRoots.fresh();
        try (MapSet maps = MapSet.open(root, SMALL, OpenMode.CREATE)) {
            maps.upsert(WEB, BACKENDS);

            assertThat(maps.delete(WEB)).isTrue();

            assertThat(maps.get(WEB)).isEmpty();
            assertThat(maps.list()).isEmpty();
            assertThat(maps.delete(WEB)).as("deleting again").isFalse();
            assertThat(maps.usage()).isEqualTo(new Usage(SMALL, 0, 0));
        }
    }

    private static ByteBuffer littleEndian(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Array map entries by their __u32 index. */
    private static Map<Integer, byte[]> byIndex(List<Bpftool.Entry> entries) {
        return entries.stream().collect(Collectors.toMap(e -> littleEndian(e.key()).getInt(0), Bpftool.Entry::value));
    }
}
