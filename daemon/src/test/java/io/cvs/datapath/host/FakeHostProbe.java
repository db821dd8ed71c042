package io.cvs.datapath.host;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** A test double of {@link HostProbe}: a host described by its facts. Starts as a host that has everything. */
record FakeHostProbe(long effectiveUid, Map<Path, String> fileSystems, boolean hasKernelBtf,
        Optional<Path> defaultCgroup) implements HostProbe {

    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup/unified");

    static FakeHostProbe capable() {
        return new FakeHostProbe(0, Map.of(Path.of("/sys/fs/bpf"), "bpf", CGROUP_ROOT, "cgroup2"), true,
                Optional.of(CGROUP_ROOT));
    }

    FakeHostProbe withUid(long uid) {
        return new FakeHostProbe(uid, fileSystems, hasKernelBtf, defaultCgroup);
    }

    FakeHostProbe withoutBpffs() {
        return new FakeHostProbe(effectiveUid, Map.of(Path.of("/sys/fs/bpf"), "sysfs", CGROUP_ROOT, "cgroup2"),
                hasKernelBtf, defaultCgroup);
    }

    FakeHostProbe withoutKernelBtf() {
        return new FakeHostProbe(effectiveUid, fileSystems, false, defaultCgroup);
    }

    FakeHostProbe withoutCgroup2() {
        return new FakeHostProbe(effectiveUid, fileSystems, hasKernelBtf, Optional.empty());
    }

    /** The type of the longest known path that path starts with, as for a mount point. */
    @Override
    public Optional<String> fileSystemType(Path path) {
        return fileSystems.entrySet().stream().filter(e -> path.startsWith(e.getKey()))
                .max((x, y) -> Integer.compare(x.getKey().getNameCount(), y.getKey().getNameCount()))
                .map(Map.Entry::getValue);
    }
}
