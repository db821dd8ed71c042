package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceKey;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** pick answers "where would a new connection go?" the way the datapaths decide it. */
class PickTest {

    private static final ServiceKey WEB = tcp("192.0.2.10", 80);

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void picksOnlyBackendsThatTakeNewConnections() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 16, 4, 16), OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 0), backend("10.1.0.2", 8081, 1)));
            int serviceId = maps.get(WEB).orElseThrow().id();

            for (int i = 0; i < 20; i++) {
                Pick pick = maps.pick(WEB);
                assertThat(pick.address()).isEqualTo(ip("10.1.0.2"));
                assertThat(pick.port()).isEqualTo(8081);
                assertThat(pick.serviceId()).isEqualTo(serviceId);
                assertThat(pick.attempts()).isEqualTo(1);
            }
        }
    }

    @Test
    void aServiceWithOnlyDrainingBackendsRefusesAndANonServiceIsNotFound() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 16, 4, 16), OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 0)));

            assertThatThrownBy(() -> maps.pick(WEB)).isInstanceOfSatisfying(BpfMapException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("ECONNREFUSED"));
            assertThatThrownBy(() -> maps.pick(tcp("192.0.2.99", 80))).isInstanceOfSatisfying(
                    BpfMapException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
        }
    }

    @Test
    void aDownMemberKeepsItsWeightButGetsNoSlotsAndReadsBackAsDown() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 16, 4, 16), OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 3).withDown(true), backend("10.1.0.2", 8081, 1)));

            ServiceInfo info = maps.get(WEB).orElseThrow();
            assertThat(info.backends()).extracting(b -> b.weight() + (b.down() ? " down" : ""))
                    .containsExactly("3 down", "1");
            assertThat(info.slots()).as("the up member has every slot in use").isPositive();
            for (int i = 0; i < 20; i++) {
                assertThat(maps.pick(WEB).address()).isEqualTo(ip("10.1.0.2"));
            }
            assertThat(maps.consistent(WEB)).isTrue();
        }
    }
}
