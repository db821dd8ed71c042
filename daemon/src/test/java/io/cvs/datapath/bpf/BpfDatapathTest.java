package io.cvs.datapath.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathContract;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.SocketLbStatus.ProgramLink;
import io.cvs.testing.Bpftool;
import io.cvs.testing.TestCgroups;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract on real maps, plus what only the BPF datapath does: attach the socket-LB programs and leave them
 * attached when the daemon closes. Needs root and BPF; each test has its own pin root and cgroup (never the root
 * cgroup) and detaches before they are removed.
 */
class BpfDatapathTest extends DatapathContract {

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @RegisterExtension
    final TestCgroups cgroups = new TestCgroups();

    private final List<BpfDatapath> opened = new ArrayList<>();
    private Path pinDir;
    private Path cgroup;

    @Override
    protected Datapath open() throws Exception {
        pinDir = pinRoots.fresh();
        cgroup = cgroups.fresh();
        return reopen();
    }

    private BpfDatapath reopen() {
        BpfDatapath bpf = BpfDatapath.open(pinDir, SMALL, cgroup);
        opened.add(bpf);
        return bpf;
    }

    /** The daemon never detaches; a test must, before its cgroup and pins go. */
    @AfterEach
    void closeAndDetach() {
        opened.forEach(BpfDatapath::close);
        if (pinDir != null && Files.exists(pinDir)) {
            try (MapSet maps = MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING)) {
                maps.detachSocketLb();
            }
        }
    }

    @Test
    void itIsTheBpfModeWithEverySocketLbProgramOnItsCgroup() throws Exception {
        DatapathStatus status = datapath.status();

        assertThat(status.mode()).isEqualTo(DatapathMode.BPF);
        assertThat(status.fallbackReason()).isEmpty();
        assertThat(status.socketLbAttached()).isTrue();
        assertThat(status.socketLb().cgroupId()).isEqualTo(Files.getAttribute(cgroup, "unix:ino"));
        assertThat(Bpftool.cgroupPrograms(cgroup)).extracting(Bpftool.CgroupProgram::id)
                .containsExactlyInAnyOrderElementsOf(
                        status.socketLb().programs().stream().map(ProgramLink::programId).toList());
    }

    @Test
    void closingLeavesTheProgramsAttachedAndTheServicesInTheMaps() throws Exception {
        datapath.apply(WEB, List.of(A, B));
        SocketLbStatus attached = datapath.status().socketLb();

        ((BpfDatapath) datapath).close();

        try (MapSet maps = MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            assertThat(maps.socketLbStatus()).isEqualTo(attached);
            assertThat(maps.list()).containsExactly(WEB);
        }
        assertThat(Bpftool.cgroupPrograms(cgroup)).hasSize(8);
    }

    @Test
    void openingAgainAdoptsTheServicesAndTheAttachedLinks() {
        datapath.apply(WEB, List.of(A, B));
        SocketLbStatus before = datapath.status().socketLb();
        ((BpfDatapath) datapath).close();

        BpfDatapath again = reopen();

        assertThat(again.backends(WEB)).contains(List.of(A, B));
        assertThat(again.status().socketLb().cgroupId()).isEqualTo(before.cgroupId());
        assertThat(again.status().socketLb().programs()).extracting(ProgramLink::linkId)
                .isEqualTo(before.programs().stream().map(ProgramLink::linkId).toList());
    }

    @Test
    void withTheSocketLbChosenItIsTheOneActiveForwarderAndCvsKoIsReportedNotLoaded() {
        DatapathStatus status = datapath.status();

        assertThat(status.chosen()).containsExactly(Forwarder.SOCKET_LB);
        assertThat(status.active()).containsExactly(Forwarder.SOCKET_LB);
        assertThat(status.forwardingAsChosen()).isTrue();
        assertThat(status.module().loaded()).as("no module can load on this host's kernel").isFalse();
    }

    /** cvs.ko cannot load on this host's kernel (it is tested in a VM): choosing it must refuse, clearly. */
    @Test
    void choosingCvsKoWhereItIsNotLoadedIsRefusedBeforeAnythingIsAttached() throws Exception {
        Path otherCgroup = cgroups.fresh();
        Path otherPins = pinRoots.fresh();

        assertThatThrownBy(() -> BpfDatapath.open(otherPins, SMALL, otherCgroup,
                Set.of(Forwarder.SOCKET_LB, Forwarder.MODULE)))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENODEV");
                    assertThat(e.getMessage()).contains("cvs_module_bind");
                });
        assertThat(Bpftool.cgroupPrograms(otherCgroup)).isEmpty();
    }

    @Test
    void aChosenForwarderThatIsNotActiveMakesForwardingNotAsChosen() {
        DatapathStatus status = datapath.status();
        DatapathStatus bothChosen = new DatapathStatus(status.mode(), status.fallbackReason(),
                Set.of(Forwarder.SOCKET_LB, Forwarder.MODULE), status.socketLb(), status.module(), status.mapIds(),
                status.usage());

        assertThat(bothChosen.active()).containsExactly(Forwarder.SOCKET_LB);
        assertThat(bothChosen.forwardingAsChosen()).isFalse();
    }
}
