package io.cvs.datapath.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath.Drift;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.MapIds;
import io.cvs.datapath.ModuleStatus;
import io.cvs.testing.Bpftool;
import io.cvs.testing.TestCgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the chosen forwarders need of a map set, on real maps and a real cgroup. cvs.ko cannot load on this
 * machine's kernel (its binding is tested in kernel-module/vmtest), so its part is covered as far as it runs here:
 * the decision to bind again from the module's status, and a repair with the module chosen but not loaded, which
 * puts back the socket-LB first and then fails, as a failed reconcile must.
 */
class AttachmentTest {

    private static final Capacity SMALL = new Capacity(4, 16, 4, 16);
    private static final MapIds OURS = new MapIds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    private static final MapIds OTHERS = new MapIds(21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35);

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @RegisterExtension
    final TestCgroups cgroups = new TestCgroups();

    private Path cgroup;
    private MapSet maps;

    @BeforeEach
    void openMapsAndAttach() throws Exception {
        maps = MapSet.open(pinRoots.fresh(), SMALL, OpenMode.CREATE);
        cgroup = cgroups.fresh();
        maps.attachSocketLb(cgroup);
    }

    @AfterEach
    void detachAndClose() {
        if (maps != null) {
            try {
                maps.detachSocketLb();
            } finally {
                maps.close();
            }
        }
    }

    @Test
    void cvsKoIsBoundAgainUnlessItServesThisVeryMapSet() {
        assertThat(Attachment.whyRebind(status(true, false, OURS), OURS)).isEmpty();
        assertThat(Attachment.whyRebind(status(true, true, OURS), OURS)).contains("served an orphaned copy of the maps");
        assertThat(Attachment.whyRebind(status(true, false, OTHERS), OURS)).contains("served another map set");
        assertThat(Attachment.whyRebind(status(false, false, null), OURS)).contains("served no map set");
        assertThat(Attachment.whyRebind(ModuleStatus.NOT_LOADED, OURS)).contains("is not loaded");
    }

    @Test
    void withTheModuleChosenButNotLoadedTheSocketLbIsRepairedAndThenTheRepairFails() throws Exception {
        Attachment both = new Attachment(Set.of(Forwarder.SOCKET_LB, Forwarder.MODULE), cgroup);
        Files.delete(maps.pinRoot().resolve("sock_connect6"));
        Drift drift = both.drift(maps, ModuleStatus.NOT_LOADED);
        assertThat(drift.detached()).containsExactly(Forwarder.SOCKET_LB, Forwarder.MODULE);

        assertThatThrownBy(() -> both.repair(maps)).isInstanceOf(BpfMapException.class).hasMessageContaining("ENODEV");

        assertThat(maps.socketLbStatus().attached()).as("the socket-LB, repaired before").isEqualTo(8);
        assertThat(Bpftool.cgroupPrograms(cgroup)).hasSize(8);
        assertThat(both.drift(maps, ModuleStatus.NOT_LOADED).detached()).containsExactly(Forwarder.MODULE);
    }

    @Test
    void aForwarderNotChosenIsNeitherDetachedNorRepaired() throws Exception {
        Attachment moduleOnly = new Attachment(Set.of(Forwarder.MODULE), cgroup);
        maps.detachSocketLb();
        ModuleStatus serving = status(true, false, maps.mapIds());

        assertThat(moduleOnly.drift(maps, serving).any()).isFalse();
        assertThat(new Attachment(Set.of(), cgroup).repair(maps)).isEmpty();
        assertThat(Bpftool.cgroupPrograms(cgroup)).isEmpty();
    }

    private static ModuleStatus status(boolean bound, boolean orphaned, MapIds ids) {
        return new ModuleStatus(true, bound, orphaned, 1, ids, 1, 0, 0, 0);
    }
}
