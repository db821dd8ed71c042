package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static io.cvs.testing.Addresses.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath.Held;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.testing.Bpftool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The calls for many services at once, on real maps: {@link BpfDatapath#compare} gives what a get and a consistency
 * check per service give, and the memory datapath agrees with it; {@link BpfDatapath#allCounters} gives what a
 * counter read per service gives; both across more services than one native call takes.
 */
class BulkCallsTest {

    private static final Capacity SMALL = new Capacity(4, 16, 4, 16);
    private static final ServiceKey WEB = tcp("192.0.2.10", 80);
    private static final ServiceKey API = tcp("192.0.2.11", 443);
    private static final ServiceKey DNS = new ServiceKey(ip("192.0.2.12"), 53, Protocol.UDP);
    private static final List<Backend> WEB_BACKENDS = List.of(backend("10.1.0.1", 8080, 3),
            backend("10.1.0.2", 8080, 1));
    private static final List<Backend> API_BACKENDS = List.of(backend("10.2.0.1", 443, 1));

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void compareTellsSameOtherInconsistentAndMissingApartAsTheMemoryDatapathDoes() throws Exception {
        Path root = pinRoots.fresh();
        MemoryDatapath memory = new MemoryDatapath(SMALL, null);
        try (BpfDatapath maps = BpfDatapath.open(root, SMALL, null, Set.of())) {
            for (var datapath : List.of(maps, memory)) {
                datapath.apply(WEB, WEB_BACKENDS);
                datapath.apply(API, API_BACKENDS);
            }
            List<ServiceKey> keys = List.of(WEB, API, DNS, WEB);
            List<List<Backend>> wanted = List.of(WEB_BACKENDS, API_BACKENDS, API_BACKENDS,
                    List.of(WEB_BACKENDS.get(1), WEB_BACKENDS.get(0)));
            List<Held> expected = List.of(Held.SAME, Held.SAME, Held.MISSING, Held.OTHER);
            assertThat(maps.compare(keys, wanted)).isEqualTo(expected);
            assertThat(memory.compare(keys, wanted)).isEqualTo(expected);

            alterFirstSlot(root, maps, WEB);

            assertThat(maps.compare(List.of(WEB, API), List.of(WEB_BACKENDS, API_BACKENDS)))
                    .containsExactly(Held.INCONSISTENT, Held.SAME);
            assertThat(maps.consistent(WEB)).isFalse();
        }
    }

    @Test
    void compareAndAllCountersCoverMoreServicesThanOneNativeCallTakes() {
        int n = BulkCalls.CHECK_CHUNK + 100;
        Capacity capacity = new Capacity(n + 16, 2 * n + 32, 4, 8);
        List<ServiceKey> keys = new ArrayList<>(n);
        List<List<Backend>> wanted = new ArrayList<>(n);
        try (BpfDatapath maps = BpfDatapath.open(pinRoots.fresh(), capacity, null, Set.of())) {
            for (int i = 0; i < n; i++) {
                ServiceKey key = tcp("198.51.100." + (1 + i % 250), 1000 + i / 250);
                List<Backend> backends = List.of(backend("10." + (i >> 8) + "." + (i & 255) + ".1", 80, 1),
                        backend("10." + (i >> 8) + "." + (i & 255) + ".2", 80, 2));
                maps.apply(key, backends);
                keys.add(key);
                wanted.add(i == n - 1 ? backends.subList(0, 1) : backends);
            }

            List<Held> held = maps.compare(keys, wanted);

            assertThat(held.subList(0, n - 1)).containsOnly(Held.SAME);
            assertThat(held.get(n - 1)).isEqualTo(Held.OTHER);
            var all = maps.allCounters();
            assertThat(all).hasSize(n);
            for (int i : new int[] { 0, BulkCalls.CHECK_CHUNK, n - 1 }) {
                assertThat(all.get(keys.get(i))).isEqualTo(maps.counters(keys.get(i)).orElseThrow());
            }
        }
    }

    @Test
    void allCountersOfAReadOnlyMapSetAreTheWritersOnes() {
        Path root = pinRoots.fresh();
        try (BpfDatapath writer = BpfDatapath.open(root, SMALL, null, Set.of())) {
            writer.apply(WEB, WEB_BACKENDS);
            writer.apply(DNS, List.of());
            try (BpfDatapath reader = BpfDatapath.readOnly(root)) {
                assertThat(reader.allCounters()).isEqualTo(writer.allCounters()).hasSize(2);
                assertThat(reader.allCounters().get(WEB)).isEqualTo(writer.counters(WEB).orElseThrow());
            }
        }
    }

    /** Slot 0 of the service's current half made to name its second backend, as bpftool would. */
    private static void alterFirstSlot(Path root, BpfDatapath datapath, ServiceKey key) throws Exception {
        try (MapSet reader = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            ServiceInfo info = reader.get(key).orElseThrow();
            int firstSlot = (info.id() * 2 + (info.generation() & 1)) * SMALL.tableSlots();
            byte[] last = Bpftool.dump(root.resolve("cvs_sel_v1")).stream()
                    .filter(entry -> Bpftool.u32(entry.key()) == firstSlot + 3)
                    .findFirst().orElseThrow().value();
            Bpftool.update(root.resolve("cvs_sel_v1"), Bpftool.u32Key(firstSlot), last);
        }
    }
}
