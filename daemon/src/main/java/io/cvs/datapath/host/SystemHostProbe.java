package io.cvs.datapath.host;

import io.cvs.datapath.bpf.BpfDatapath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@link HostProbe} of the host this process runs on, from /proc, the file systems and libcvsbpf. */
public final class SystemHostProbe implements HostProbe {

    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    /** The second field of "Uid:" in /proc/self/status (real, effective, saved, file system). */
    @Override
    public long effectiveUid() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + PROC_STATUS, e);
        }
        throw new IllegalStateException(PROC_STATUS + " has no Uid line");
    }

    @Override
    public Optional<String> fileSystemType(Path path) {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.getFileStore(existing).type());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean hasKernelBtf() {
        return Files.isReadable(KERNEL_BTF);
    }

    /** Also empty when libcvsbpf itself cannot be loaded here (another architecture, a missing libc symbol). */
    @Override
    public Optional<Path> defaultCgroup() {
        return BpfDatapath.defaultCgroup();
    }
}
