package io.cvs.datapath.host;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.MemoryDatapath;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.nio.file.Path;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the BPF datapath keeps its maps and attaches its programs, and how large the maps are.
 *
 * @param pinDir   directory on bpffs where the map set is pinned (created with its parents when absent); one daemon
 *                 per directory
 * @param cgroup   cgroup v2 directory the socket-LB programs attach to; unset: the host's cgroup v2 root
 *                 (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host), which covers every process
 * @param capacity  the size of the maps, fixed when the map set is created; also the memory datapath's limits
 * @param datapaths what reads the maps and forwards: {@code socket-lb} (the eBPF programs on {@code cgroup}),
 *                  {@code module} (cvs.ko, which must be loaded), or both. One left out is stopped at start: the
 *                  socket-LB programs detached, the module unbound from this map set
 */
@Validated
@ConfigurationProperties("cvs.bpf")
public record BpfProperties(@NotNull @DefaultValue("/sys/fs/bpf/cvs/v1") Path pinDir, Path cgroup,
        @NotNull @Valid @DefaultValue MapCapacity capacity,
        @NotEmpty @DefaultValue("socket-lb") Set<Forwarder> datapaths) {

    /**
     * The size of the maps. A field left at 0 means: as pinned, or libcvsbpf's default when the map set is created.
     * A non-zero field must equal what an existing map set was created with, or the daemon refuses to start: the
     * maps cannot be resized in place without interrupting forwarding.
     *
     * @param maxServices           services the map set holds (default 1024)
     * @param maxBackends           backends across all services (default 16384)
     * @param maxBackendsPerService backends one service may have (default 256; at most selectionSlots)
     * @param selectionSlots        selection-table slots per service: the resolution of weights (default 1024)
     */
    public record MapCapacity(@PositiveOrZero int maxServices, @PositiveOrZero int maxBackends,
            @PositiveOrZero int maxBackendsPerService, @PositiveOrZero int selectionSlots) {

        /** As libcvsbpf takes it: zeros stay zeros. */
        Capacity requested() {
            return new Capacity(maxServices, maxBackends, maxBackendsPerService, selectionSlots);
        }

        /** With libcvsbpf's defaults for zero fields: what the memory datapath enforces. */
        Capacity orDefaults() {
            Capacity d = MemoryDatapath.LIBCVSBPF_DEFAULT;
            return new Capacity(or(maxServices, d.maxServices()), or(maxBackends, d.maxBackends()),
                    or(maxBackendsPerService, d.maxMembers()), or(selectionSlots, d.tableSlots()));
        }

        private static int or(int value, int fallback) {
            return value != 0 ? value : fallback;
        }
    }
}
