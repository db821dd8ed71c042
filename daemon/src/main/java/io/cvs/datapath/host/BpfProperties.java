package io.cvs.datapath.host;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.MemoryDatapath;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
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
 * @param capacity  the size of the maps when they are created, and the least they are grown to at start; also the
 *                  memory datapath's limits
 * @param growth    whether and how far the maps grow by themselves when a write needs more room
 * @param datapaths what reads the maps and forwards: {@code socket-lb} (the eBPF programs on {@code cgroup}),
 *                  {@code module} (cvs.ko, which must be loaded), or both. One left out is stopped at start: the
 *                  socket-LB programs detached, the module unbound from this map set
 */
@Validated
@ConfigurationProperties("cvs.bpf")
public record BpfProperties(@NotNull @DefaultValue("/sys/fs/bpf/cvs/v1") Path pinDir, Path cgroup,
        @NotNull @Valid @DefaultValue MapCapacity capacity, @NotNull @Valid @DefaultValue Growth growth,
        @NotEmpty @DefaultValue("socket-lb") Set<Forwarder> datapaths) {

    /** What the daemon's writes may make of the maps: {@link CapacityPolicy}. */
    CapacityPolicy capacityPolicy() {
        return new CapacityPolicy(capacity.requested(), growth.automatic(), growth.maxServices(),
                growth.maxBackends(), growth.maxMaglevTables(), growth.maxMaglevSlots());
    }

    /**
     * Automatic growth: a write that needs more services or backends than the maps hold makes the daemon build
     * larger maps beside them, fill them and switch every reader over at once (no connection fails), doubling the
     * capacity until the write fits, up to these ceilings. A write that needs more than the ceiling is refused
     * (507). An operator may resize beyond them: PUT /api/v1/datapath/capacity.
     *
     * @param automatic   grow on demand (default true); false: the maps keep their size and a full map set
     *                    refuses writes (507)
     * @param maxServices the most services automatic growth goes to (default 131072; with the default 1024
     *                    selection slots, the largest map set libcvsbpf can make)
     * @param maxBackends the most backends across all services it goes to (default 1048576)
     * @param maxMaglevTables the most Maglev regions (MAGLEV services at once) it goes to (default 256)
     * @param maxMaglevSlots  the largest Maglev table it makes room for (default 65521; each region then costs
     *                        512 KiB of kernel memory)
     */
    public record Growth(@DefaultValue("true") boolean automatic,
            @Positive @DefaultValue("131072") int maxServices,
            @Positive @DefaultValue("1048576") int maxBackends,
            @Positive @DefaultValue("256") int maxMaglevTables,
            @Positive @DefaultValue("65521") int maxMaglevSlots) {
    }

    /**
     * The size of the maps when they are created. A field left at 0 means: as pinned, or libcvsbpf's default when
     * the map set is created. A pinned map set smaller than a non-zero field is grown to it at start, live (a new
     * map set filled and switched to under traffic); a larger one is kept.
     *
     * @param maxServices           services the map set holds (default 1024)
     * @param maxBackends           backends across all services (default 16384)
     * @param maxBackendsPerService backends one service may have (default 256; at most selectionSlots)
     * @param selectionSlots        selection-table slots per service: the resolution of weights (default 1024)
     * @param affinityEntries       session affinity entries (default 65536)
     * @param maglevTables          services that can be MAGLEV at once (default 16)
     * @param maglevSlots           the largest Maglev table a service may have, a prime (default 16381)
     */
    public record MapCapacity(@PositiveOrZero int maxServices, @PositiveOrZero int maxBackends,
            @PositiveOrZero int maxBackendsPerService, @PositiveOrZero int selectionSlots,
            @PositiveOrZero int affinityEntries, @PositiveOrZero int maglevTables, @PositiveOrZero int maglevSlots) {

        /** As libcvsbpf takes it: zeros stay zeros. */
        Capacity requested() {
            return new Capacity(maxServices, maxBackends, maxBackendsPerService, selectionSlots, affinityEntries,
                    maglevTables, maglevSlots);
        }

        /** With libcvsbpf's defaults for zero fields: what the memory datapath enforces. */
        Capacity orDefaults() {
            return requested().orElse(MemoryDatapath.LIBCVSBPF_DEFAULT);
        }
    }
}
