package io.cvs.datapath.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The real probe against this machine, checked through independent views of the same facts. */
class SystemHostProbeTest {

    private final SystemHostProbe host = new SystemHostProbe();

    /** The owner of /proc/self is the process's effective uid. */
    @Test
    void effectiveUidIsTheOwnerOfProcSelf() throws Exception {
        assertThat(host.effectiveUid()).isEqualTo(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue());
    }

    @Test
    void aPathThatDoesNotExistYetIsOnItsNearestExistingAncestorsFileSystem() {
        assertThat(host.fileSystemType(Path.of("/proc"))).contains("proc");
        assertThat(host.fileSystemType(Path.of("/proc/no/such/dir"))).contains("proc");
    }

    @Test
    void bpffsIsFoundWhereItIsMounted() throws Exception {
        boolean mounted = Files.readString(Path.of("/proc/mounts")).contains(" /sys/fs/bpf bpf ");

        assertThat(host.fileSystemType(Path.of("/sys/fs/bpf/cvs-not-there/v1")).equals(Optional.of("bpf")))
                .isEqualTo(mounted);
    }

    @Test
    void kernelBtfIsThereWhenTheKernelExportsIt() {
        assertThat(host.hasKernelBtf()).isEqualTo(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")));
    }

    @Test
    void theDefaultCgroupIsACgroup2MountWhenThereIsOne() {
        host.defaultCgroup().ifPresent(cgroup -> assertThat(host.fileSystemType(cgroup)).contains("cgroup2"));
        if (host.defaultCgroup().isEmpty()) {
            assertThat(Path.of("/sys/fs/cgroup")).satisfies(root -> assertThat(host.fileSystemType(root))
                    .isNotEqualTo(Optional.of("cgroup2")));
        }
    }
}
