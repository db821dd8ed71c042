package io.cvs.datapath.host;

import io.cvs.datapath.DatapathMode;
import io.cvs.system.StartupRefusedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The datapath to run, decided from {@code cvs.datapath} and what the host offers, and why it is memory when BPF
 * was wanted. An explicit {@code bpf} on a host that cannot run it refuses to start rather than run without
 * forwarding.
 */
record DatapathChoice(DatapathMode mode, Optional<String> fallbackReason) {

    static DatapathChoice of(DatapathMode requested, BpfProperties bpf, HostProbe host) {
        if (requested == DatapathMode.MEMORY) {
            return new DatapathChoice(DatapathMode.MEMORY, Optional.empty());
        }
        List<String> missing = missing(bpf, host);
        if (missing.isEmpty()) {
            return new DatapathChoice(DatapathMode.BPF, Optional.empty());
        }
        String lacks = "this host cannot run the BPF datapath: " + String.join("; ", missing);
        if (requested == DatapathMode.BPF) {
            throw new StartupRefusedException("cvs.datapath is bpf, but " + lacks + ".",
                    "Run the daemon as root on a host with bpffs, kernel BTF and cgroup v2, or set cvs.datapath to "
                            + "auto or memory (then nothing is forwarded).");
        }
        return new DatapathChoice(DatapathMode.MEMORY, Optional.of(lacks));
    }

    /** Everything missing, not just the first, so that one look at the log tells the whole story. */
    private static List<String> missing(BpfProperties bpf, HostProbe host) {
        List<String> missing = new ArrayList<>();
        long euid = host.effectiveUid();
        if (euid != 0) {
            missing.add("not root (effective uid " + euid + ")");
        }
        Optional<String> pinFs = host.fileSystemType(bpf.pinDir());
        if (!pinFs.equals(Optional.of("bpf"))) {
            missing.add("no bpffs at " + bpf.pinDir() + " (its file system is " + pinFs.orElse("unknown")
                    + "; mount -t bpf bpf /sys/fs/bpf)");
        }
        if (!host.hasKernelBtf()) {
            missing.add("no kernel BTF (/sys/kernel/btf/vmlinux)");
        }
        if (bpf.cgroup() != null) {
            Optional<String> cgroupFs = host.fileSystemType(bpf.cgroup());
            if (!cgroupFs.equals(Optional.of("cgroup2"))) {
                missing.add("cvs.bpf.cgroup " + bpf.cgroup() + " is not on cgroup v2 (" + cgroupFs.orElse("unknown")
                        + ")");
            }
        } else if (host.defaultCgroup().isEmpty()) {
            missing.add("no cgroup v2 hierarchy (neither /sys/fs/cgroup nor /sys/fs/cgroup/unified)");
        }
        return missing;
    }
}
