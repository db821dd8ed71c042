package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.ServiceConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/**
 * Automatic growth of the Maglev maps through the real registry, journal and committer on the memory datapath:
 * regions double like services, the slots grow to the largest table asked for, and past the ceilings a write is a
 * 507 naming the resource, changing nothing.
 */
class MaglevGrowthTest {

    /** One Maglev region of 31 slots to start with; growth up to 4 regions and tables of 101 slots. */
    private static final CapacityPolicy UP_TO_4_OF_101 =
            new CapacityPolicy(Capacity.AS_PINNED_OR_DEFAULT, true, 64, 128, 4, 101);

    private final MemoryDatapath memory = new MemoryDatapath(new Capacity(8, 16, 4, 16, 64, 1, 31), null);
    private final Journal journal = TestJournals.open("maglev-growth");
    private final ServiceRegistry registry =
            new ServiceRegistry(memory, journal, UP_TO_4_OF_101, true, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    private static ServiceConfig maglev(int i, int tableSize) {
        return new ServiceRequest("s" + i, "192.0.2." + (i + 1), 80, "TCP",
                List.of(new BackendSpec("10.0." + i + ".1", 8080, 1)), Map.of()).toConfig("")
                .withSelection(SelectionPolicy.maglev(tableSize));
    }

    @Test
    void maglevServicesDoubleTheRegionsAndALargerTableGrowsTheSlots() {
        for (int i = 0; i < 3; i++) {
            registry.create(maglev(i, 13));
        }
        assertThat(memory.usage().max().maglevTables()).isEqualTo(4);
        assertThat(memory.usage().maglevTables()).isEqualTo(3);
        assertThat(registry.capacityState().resizes()).isEqualTo(2);

        registry.create(maglev(3, 61));

        Capacity now = memory.usage().max();
        assertThat(now.maglevSlots()).isEqualTo(61);
        assertThat(now.maglevTables()).isEqualTo(4);
        assertThat(memory.policy(registry.byName().get("s3").key())).contains(SelectionPolicy.maglev(61));
        assertThat(memory.policy(registry.byName().get("s0").key())).as("carried through the resizes")
                .contains(SelectionPolicy.maglev(13));
    }

    @Test
    void aTableBeyondTheSlotsCeilingIs507NamingMaglevSlots() {
        assertThatThrownBy(() -> registry.create(maglev(0, 103)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(507);
                    assertThat(e.getBody().getProperties()).containsEntry("resource", "maglevSlots")
                            .containsEntry("max", 101L).containsEntry("requested", 103L);
                    assertThat(e.getBody().getDetail()).contains("cvs.bpf.growth.max-maglev-slots");
                });
        assertThat(registry.byName()).isEmpty();
        assertThat(registry.capacityState().resizes()).isZero();
    }

    @Test
    void moreMaglevServicesThanTheRegionsCeilingIs507NamingMaglevTables() {
        for (int i = 0; i < 4; i++) {
            registry.create(maglev(i, 13));
        }

        assertThatThrownBy(() -> registry.create(maglev(4, 13)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(507);
                    assertThat(e.getBody().getProperties()).containsEntry("resource", "maglevTables")
                            .containsEntry("used", 4L).containsEntry("max", 4L);
                });
        assertThat(registry.byName()).hasSize(4);
    }

    @Test
    void aServiceLeavingMaglevFreesItsRegionForANewOneLaterInTheSameWrite() {
        for (int i = 0; i < 4; i++) {
            registry.create(maglev(i, 13));
        }
        List<ServiceConfig> desired = List.of(maglev(0, 13), maglev(1, 13), maglev(2, 13),
                maglev(3, 13).withSelection(SelectionPolicy.DEFAULT), maglev(4, 13));

        registry.replaceAll(desired, false);

        assertThat(memory.usage().maglevTables()).isEqualTo(4);
        assertThat(memory.usage().max().maglevTables()).as("at the ceiling, and no more needed").isEqualTo(4);
        assertThat(memory.policy(registry.byName().get("s3").key())).contains(SelectionPolicy.DEFAULT);
    }
}
