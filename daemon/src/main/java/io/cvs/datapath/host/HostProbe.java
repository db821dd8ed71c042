package io.cvs.datapath.host;

import java.nio.file.Path;
import java.util.Optional;

/** The facts about this host that decide whether the BPF datapath can run here. */
public interface HostProbe {

    /** The process's effective user id; the BPF datapath needs 0 (CAP_BPF, CAP_NET_ADMIN, bpffs writes). */
    long effectiveUid();

    /**
     * The type of the file system that holds path, or would hold it if it were created: that of its nearest
     * existing ancestor ({@code bpf}, {@code cgroup2}, {@code sysfs}...). Empty when it cannot be told.
     */
    Optional<String> fileSystemType(Path path);

    /** Whether the kernel exposes its BTF (/sys/kernel/btf/vmlinux), which the socket-LB programs need (CO-RE). */
    boolean hasKernelBtf();

    /** The host's cgroup v2 root, as libcvsbpf finds it; empty on a host without cgroup v2. */
    Optional<Path> defaultCgroup();
}
