package io.cvs.datapath;

import io.cvs.datapath.DatapathException.Reason;
import io.cvs.datapath.DatapathException.Resource;
import io.cvs.datapath.bpf.Backend;
import io.cvs.datapath.bpf.BpfMapException;
import io.cvs.datapath.bpf.Capacity;
import io.cvs.datapath.bpf.MapSet;
import io.cvs.datapath.bpf.OpenMode;
import io.cvs.datapath.bpf.ServiceCounters;
import io.cvs.datapath.bpf.ServiceInfo;
import io.cvs.datapath.bpf.ServiceKey;
import io.cvs.datapath.bpf.Usage;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datapath on the pinned eBPF maps, through one writable {@link MapSet}, read by the chosen forwarders: the
 * socket-LB programs, cvs.ko, or both.
 * Closing releases the map set but leaves maps, entries and programs in place, so forwarding goes on while the
 * daemon is down (docs/design.md: never flush on restart); only an uninstall detaches.
 */
public final class BpfDatapath implements Datapath, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BpfDatapath.class);

    private final MapSet maps;
    private final Set<Forwarder> chosen;

    private BpfDatapath(MapSet maps, Set<Forwarder> chosen) {
        this.maps = maps;
        this.chosen = Set.copyOf(chosen);
    }

    /** {@link #open(Path, Capacity, Path, Set)} with the socket-LB programs only. */
    public static BpfDatapath open(Path pinDir, Capacity capacity, Path cgroup) {
        return open(pinDir, capacity, cgroup, Set.of(Forwarder.SOCKET_LB));
    }

    /**
     * Opens (creating when nothing is pinned) the map set at pinDir as its one writer and makes the chosen
     * forwarders read it: cvs.ko bound first (the call that can fail for reasons outside this host's maps), then
     * the socket-LB programs attached to cgroup ({@code null}: the host's cgroup v2 root). A forwarder not chosen
     * is stopped: the programs detached, the module unbound if it served this map set. When a step fails, the
     * ones before it stay done and the map set is closed.
     *
     * @throws BpfMapException as libcvsbpf refused: EBUSY (another writer), EEXIST (attached to another cgroup),
     *                         ENODEV (cvs.ko chosen but not loaded), EPROTO (cvs.ko built for another ABI)...
     */
    public static BpfDatapath open(Path pinDir, Capacity capacity, Path cgroup, Set<Forwarder> chosen) {
        MapSet maps = MapSet.open(pinDir, capacity, OpenMode.CREATE);
        try {
            if (chosen.contains(Forwarder.MODULE)) {
                maps.bindModule();
            } else if (MapSet.moduleStatus().serves(maps.mapIds())) {
                MapSet.unbindModule();
                log.info("cvs.ko served this map set and cvs.bpf.datapaths leaves it out: unbound it");
            }
            if (chosen.contains(Forwarder.SOCKET_LB)) {
                maps.attachSocketLb(cgroup);
            } else {
                maps.detachSocketLb();
            }
            return new BpfDatapath(maps, chosen);
        } catch (RuntimeException e) {
            maps.close();
            throw e;
        }
    }

    @Override
    public void apply(ServiceKey key, List<Backend> backends) {
        try {
            maps.upsert(key, backends);
        } catch (BpfMapException e) {
            throw switch (e.errnoName()) {
                case "E2BIG" -> DatapathException.tooManyBackends(backends.size(), maps.capacity().maxMembers());
                case "ENOSPC" -> noRoom(key, backends, e);
                default -> translate(e);
            };
        }
    }

    @Override
    public boolean remove(ServiceKey key) {
        return call(() -> maps.delete(key));
    }

    @Override
    public List<ServiceKey> services() {
        return call(maps::list);
    }

    @Override
    public Optional<List<Backend>> backends(ServiceKey key) {
        return call(() -> maps.get(key).map(ServiceInfo::backends));
    }

    @Override
    public Optional<ServiceCounters> counters(ServiceKey key) {
        return call(() -> maps.counters(key));
    }

    /** Also binds cvs.ko again when it is chosen and no longer serves this map set (it was reloaded, say). */
    @Override
    public void resync() {
        call(() -> {
            maps.resync();
            return null;
        });
        if (chosen.contains(Forwarder.MODULE)) {
            try {
                if (!MapSet.moduleStatus().serves(maps.mapIds())) {
                    maps.bindModule();
                    log.info("cvs.ko did not serve this map set (reloaded?); bound it again");
                }
            } catch (BpfMapException e) {
                log.warn("cvs.ko is chosen (cvs.bpf.datapaths) but could not be bound: {}", e.getMessage());
            }
        }
    }

    @Override
    public boolean consistent(ServiceKey key) {
        return call(() -> maps.consistent(key));
    }

    @Override
    public DatapathStatus status() {
        return call(() -> new DatapathStatus(DatapathMode.BPF, Optional.empty(), chosen, maps.socketLbStatus(),
                MapSet.moduleStatus(), maps.mapIds(), maps.usage()));
    }

    /** Releases the map set; the programs stay attached (see the class comment). */
    @Override
    public void close() {
        maps.close();
    }

    /**
     * ENOSPC says that an id ran out, not which nor by how much, so read the maps (unchanged by the refused call)
     * for the numbers the problem carries, the same that the memory datapath gives.
     */
    private DatapathException noRoom(ServiceKey key, List<Backend> backends, BpfMapException refusal) {
        try {
            Usage usage = maps.usage();
            Capacity max = usage.max();
            Optional<ServiceInfo> current = maps.get(key);
            if (current.isEmpty() && usage.services() >= max.maxServices()) {
                return DatapathException.noRoom(Resource.SERVICES, usage.services(), max.maxServices(), 1);
            }
            int fresh = Endpoint.fresh(backends, current.map(ServiceInfo::backends).orElse(List.of()));
            return DatapathException.noRoom(Resource.BACKENDS, usage.backends(), max.maxBackends(), fresh);
        } catch (BpfMapException e) {
            refusal.addSuppressed(e);
            return translate(refusal);
        }
    }

    private static <T> T call(Supplier<T> mapCall) {
        try {
            return mapCall.get();
        } catch (BpfMapException e) {
            throw translate(e);
        }
    }

    /** libcvsbpf's errno as cvsbpf.h lists them for a service change. */
    private static DatapathException translate(BpfMapException e) {
        Reason reason = switch (e.errnoName()) {
            case "EINVAL", "ERANGE", "EEXIST", "EPROTONOSUPPORT" -> Reason.INVALID;
            default -> Reason.FAILED;
        };
        return new DatapathException(reason, e.getMessage(), e);
    }
}
