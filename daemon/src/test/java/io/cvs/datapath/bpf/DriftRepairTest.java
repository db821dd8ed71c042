package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import io.cvs.testing.Bpftool;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Changes made to the maps behind the daemon's back, by hand with bpftool: {@link MapSet#consistent} finds them,
 * {@link MapSet#resync} takes them in, and an upsert writes the service right again.
 */
class DriftRepairTest {

    private static final Capacity SMALL = new Capacity(4, 16, 4, 16);

    private static final ServiceKey WEB = tcp("192.0.2.10", 80);
    private static final ServiceKey API = tcp("192.0.2.11", 443);
    /** Weights 3:1: the first backend fills selection slots 0 to 2, the second slot 3. */
    private static final List<Backend> WEB_BACKENDS = List.of(
            backend("10.1.0.1", 8080, 3),
            backend("10.1.0.2", 8080, 1));
    private static final List<Backend> API_BACKENDS = List.of(backend("10.2.0.1", 443, 1));

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void resyncReclaimsTheIdsOfAServiceDeletedWithBpftool() throws Exception {
        Path root = pinRoots.fresh();
        try (MapSet maps = MapSet.open(root, SMALL, OpenMode.CREATE)) {
            maps.upsert(WEB, WEB_BACKENDS);
            maps.upsert(API, API_BACKENDS);
            int webId = maps.get(WEB).orElseThrow().id();

            Bpftool.delete(root.resolve("cvs_svc_v1"), Bpftool.serviceEntryKey(root, webId));
            assertThat(maps.usage()).as("before resync, the writer still counts what it wrote")
                    .isEqualTo(new Usage(SMALL, 2, 3));

            maps.resync();

            assertThat(maps.usage()).isEqualTo(new Usage(SMALL, 1, 1));
            assertThat(maps.get(WEB)).isEmpty();
            maps.upsert(WEB, WEB_BACKENDS);
            assertThat(maps.usage()).isEqualTo(new Usage(SMALL, 2, 3));
            assertThat(maps.get(WEB).orElseThrow().backends()).isEqualTo(WEB_BACKENDS);
            assertThat(maps.consistent(WEB)).isTrue();
        }
    }

    @Test
    void aSelectionSlotAlteredWithBpftoolIsInconsistentUntilTheServiceIsWrittenAgain() throws Exception {
        Path root = pinRoots.fresh();
        try (MapSet maps = MapSet.open(root, SMALL, OpenMode.CREATE)) {
            maps.upsert(WEB, WEB_BACKENDS);
            maps.upsert(API, API_BACKENDS);
            assertThat(maps.consistent(WEB)).isTrue();
            ServiceInfo web = maps.get(WEB).orElseThrow();
            int firstSlot = (web.id() * 2 + (web.generation() & 1)) * SMALL.tableSlots();
            byte[] secondBackend = Bpftool.dump(root.resolve("cvs_sel_v1")).stream()
                    .filter(entry -> Bpftool.u32(entry.key()) == firstSlot + 3)
                    .findFirst().orElseThrow().value();

            Bpftool.update(root.resolve("cvs_sel_v1"), Bpftool.u32Key(firstSlot), secondBackend);

            assertThat(maps.consistent(WEB)).isFalse();
            assertThat(maps.consistent(API)).as("another service").isTrue();
            try (MapSet reader = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
                assertThat(reader.consistent(WEB)).as("read-only beside the writer").isFalse();
            }
            maps.upsert(WEB, WEB_BACKENDS);
            assertThat(maps.consistent(WEB)).isTrue();
            assertThat(maps.usage()).isEqualTo(new Usage(SMALL, 2, 3));
        }
    }

    /**
     * An IPv6 backend's record lives in cvs_be6_v1 beside its cvs_be_v1 one: a record there naming another
     * service is found, and the next write of the service puts it right.
     */
    @Test
    void anIpv6BackendRecordAlteredWithBpftoolIsInconsistentUntilTheServiceIsWrittenAgain() throws Exception {
        ServiceKey web6 = tcp("2001:db8::10", 80);
        List<Backend> backends = List.of(backend("fd00::1", 8080, 1), backend("fd00::2", 8080, 1));
        Path root = pinRoots.fresh();
        try (MapSet maps = MapSet.open(root, SMALL, OpenMode.CREATE)) {
            maps.upsert(web6, backends);
            maps.upsert(API, API_BACKENDS);
            assertThat(maps.consistent(web6)).isTrue();
            Bpftool.Entry record = Bpftool.dump(root.resolve("cvs_be6_v1")).stream()
                    .filter(entry -> entry.value()[16] != 0 || entry.value()[17] != 0)
                    .findFirst().orElseThrow();
            byte[] altered = record.value().clone();
            altered[20] ^= 1; // struct cvs_backend6.svc_id: another service's

            Bpftool.update(root.resolve("cvs_be6_v1"), record.key(), altered);

            assertThat(maps.consistent(web6)).isFalse();
            assertThat(maps.consistent(API)).as("an IPv4 service beside it").isTrue();
            maps.resync();
            maps.upsert(web6, backends);
            assertThat(maps.consistent(web6)).isTrue();
            assertThat(maps.get(web6).orElseThrow().backends()).isEqualTo(backends);
        }
    }

    @Test
    void aServiceThatDoesNotExistIsNotConsistent() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), SMALL, OpenMode.CREATE)) {
            maps.upsert(API, API_BACKENDS);

            assertThat(maps.consistent(WEB)).isFalse();
        }
    }

    @Test
    void aReadOnlyMapSetRemembersNothingToResync() {
        Path root = pinRoots.fresh();
        try (MapSet writer = MapSet.open(root, SMALL, OpenMode.CREATE);
                MapSet reader = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            assertThatThrownBy(reader::resync).isInstanceOfSatisfying(BpfMapException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("EROFS"));
            writer.resync();
        }
    }
}
