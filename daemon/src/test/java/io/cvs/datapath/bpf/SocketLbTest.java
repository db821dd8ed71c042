package io.cvs.datapath.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.SocketLbProgram;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.SocketLbStatus.ProgramLink;
import io.cvs.testing.Bpftool.CgroupProgram;
import io.cvs.testing.Bpftool;
import io.cvs.testing.TestCgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket-LB programs go onto the cgroup they are attached to, once, through links pinned beside the maps;
 * bpftool, which shares no code with libcvsbpf, confirms what the kernel holds. Each test uses a cgroup of its own,
 * never the root.
 */
class SocketLbTest {

    private static final Capacity SMALL = new Capacity(4, 16, 4, 16);
    private static final SocketLbStatus NOT_ATTACHED = new SocketLbStatus(0, List.of());

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @RegisterExtension
    final TestCgroups cgroups = new TestCgroups();

    private Path root;
    private Path cgroup;
    private MapSet maps;

    @BeforeEach
    void openMapsAndMakeACgroup() throws IOException {
        root = pinRoots.fresh();
        maps = MapSet.open(root, SMALL, OpenMode.CREATE);
        cgroup = cgroups.fresh();
    }

    /** Before the cgroups go: a test that failed half way may have left the programs attached. */
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
    void attachingPutsOneProgramOfEachTypeOnTheCgroupWhoseIdIsItsInode() throws Exception {
        maps.attachSocketLb(cgroup);

        SocketLbStatus status = maps.socketLbStatus();
        assertThat(status.cgroupId()).isEqualTo(Files.getAttribute(cgroup, "unix:ino"));
        assertThat(status.attached()).isEqualTo(8);
        assertThat(status.programs()).extracting(ProgramLink::program).containsExactly(SocketLbProgram.values());
        assertThat(status.programs()).allSatisfy(link -> {
            assertThat(link.programId()).isPositive();
            assertThat(link.linkId()).isPositive();
        });
        assertThat(Bpftool.cgroupPrograms(cgroup)).containsExactlyInAnyOrderElementsOf(asBpftoolLists(status));
    }

    @Test
    void attachingAgainAdoptsThePinnedLinksInsteadOfStackingASecondCopy() throws Exception {
        maps.attachSocketLb(cgroup);
        SocketLbStatus first = maps.socketLbStatus();

        maps.attachSocketLb(cgroup);

        SocketLbStatus second = maps.socketLbStatus();
        assertThat(second.cgroupId()).isEqualTo(first.cgroupId());
        assertThat(linkIds(second)).isEqualTo(linkIds(first));
        assertThat(programIds(second)).as("programs replaced in place").doesNotContainAnyElementsOf(programIds(first));
        List<CgroupProgram> onCgroup = Bpftool.cgroupPrograms(cgroup);
        assertThat(onCgroup).extracting(CgroupProgram::attachType)
                .containsExactlyInAnyOrder(Bpftool.SOCKET_LB_ATTACH_TYPES);
        assertThat(onCgroup).containsExactlyInAnyOrderElementsOf(asBpftoolLists(second));
    }

    @Test
    void attachingToAnotherCgroupWhileAttachedIsEEXISTAndChangesNothing() throws Exception {
        maps.attachSocketLb(cgroup);
        SocketLbStatus before = maps.socketLbStatus();
        Path other = cgroups.fresh();

        BpfMapException refused = catchThrowableOfType(BpfMapException.class, () -> maps.attachSocketLb(other));

        assertThat(refused.errnoName()).as(refused.getMessage()).isEqualTo("EEXIST");
        assertThat(refused.libraryMessage()).hasValueSatisfying(m -> assertThat(m).contains("detach first"));
        assertThat(maps.socketLbStatus()).isEqualTo(before);
        assertThat(Bpftool.cgroupPrograms(other)).isEmpty();
        assertThat(Bpftool.cgroupPrograms(cgroup)).containsExactlyInAnyOrderElementsOf(asBpftoolLists(before));
    }

    @Test
    void aDirectoryThatIsNoCgroupIsEINVALAndNothingIsLoadedOrPinned(@TempDir Path notACgroup) throws Exception {
        BpfMapException refused = catchThrowableOfType(BpfMapException.class,
                () -> maps.attachSocketLb(notACgroup));

        assertThat(refused.errnoName()).as(refused.getMessage()).isEqualTo("EINVAL");
        assertThat(refused.operation()).isEqualTo("cvs_sock_attach");
        assertThat(maps.socketLbStatus()).isEqualTo(NOT_ATTACHED);
        assertThat(socketLbPins()).isEmpty();
        assertThat(Bpftool.programsUsingMap(maps.mapIds().services())).isEmpty();
    }

    @Test
    void detachingTakesTheProgramsOffTheCgroupAndRemovesTheirPins() throws Exception {
        maps.attachSocketLb(cgroup);

        maps.detachSocketLb();

        assertThat(maps.socketLbStatus()).isEqualTo(NOT_ATTACHED);
        assertThat(Bpftool.cgroupPrograms(cgroup)).isEmpty();
        assertThat(socketLbPins()).isEmpty();
    }

    @Test
    void detachingWhatIsNotAttachedDoesNothing() {
        maps.detachSocketLb();

        assertThat(maps.socketLbStatus()).isEqualTo(NOT_ATTACHED);
    }

    @Test
    void theProgramsStayAttachedAfterTheWriterCloses() throws Exception {
        maps.attachSocketLb(cgroup);
        SocketLbStatus before = maps.socketLbStatus();
        maps.close();

        assertThat(Bpftool.cgroupPrograms(cgroup)).containsExactlyInAnyOrderElementsOf(asBpftoolLists(before));
        maps = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING);
        assertThat(maps.socketLbStatus()).isEqualTo(before);
    }

    @Test
    void aReadOnlyMapSetCannotAttachOrDetach() throws Exception {
        try (MapSet reader = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            BpfMapException attach = catchThrowableOfType(BpfMapException.class,
                    () -> reader.attachSocketLb(cgroup));
            maps.attachSocketLb(cgroup);
            BpfMapException detach = catchThrowableOfType(BpfMapException.class, reader::detachSocketLb);

            assertThat(attach.errnoName()).as(attach.getMessage()).isEqualTo("EROFS");
            assertThat(detach.errnoName()).as(detach.getMessage()).isEqualTo("EROFS");
            assertThat(maps.socketLbStatus().attached()).isEqualTo(8);
        }
    }

    @Test
    void aReaderBesideTheWriterSeesTheSameLinks() {
        maps.attachSocketLb(cgroup);

        try (MapSet reader = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            assertThat(reader.socketLbStatus()).isEqualTo(maps.socketLbStatus());
        }
    }

    @Test
    void theDefaultCgroupIsACgroup2Mount() throws IOException {
        String mounts = Files.readString(Path.of("/proc/mounts"));

        assertThat(mounts).contains(" " + MapSet.defaultCgroup() + " cgroup2 ");
    }

    /** What the pin root holds of the socket-LB: its links and its own map. */
    private List<String> socketLbPins() throws IOException {
        try (Stream<Path> pins = Files.list(root)) {
            return pins.map(pin -> pin.getFileName().toString())
                    .filter(name -> name.startsWith("sock_") || name.equals("cvs_sknat_v1"))
                    .toList();
        }
    }

    private static List<CgroupProgram> asBpftoolLists(SocketLbStatus status) {
        return status.programs().stream()
                .map(link -> new CgroupProgram(link.programId(), link.program().attachType()))
                .toList();
    }

    private static List<Integer> linkIds(SocketLbStatus status) {
        return status.programs().stream().map(ProgramLink::linkId).toList();
    }

    private static List<Integer> programIds(SocketLbStatus status) {
        return status.programs().stream().map(ProgramLink::programId).toList();
    }
}
