package io.cvs.datapath.bpf;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.Datapath.Drift;
import io.cvs.datapath.Datapath.Repair;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathException.Reason;
import io.cvs.datapath.DatapathException.Resource;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Endpoint;
import io.cvs.datapath.Flows;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import io.cvs.ownership.MapOwner;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import io.cvs.selection.SelectionPolicy;
import io.cvs.system.StartupRefusedException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
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

    /** Replaced only by {@link #resize}, under the write side of {@link #switching}. */
    private volatile MapSet maps;
    private final Set<Forwarder> chosen;
    /** What the chosen forwarders need of the maps: checked by {@link #drift}, put back by {@link #repair}. */
    private final Attachment attachment;
    /** Opened by {@link #readOnly}: it remembers no writes, so it has no drift and repairs nothing. */
    private final boolean readOnly;
    /**
     * Calls take the read side, so none runs on a map set that a resize is closing; the write side is held only
     * while the readers switch, not while the new set fills.
     */
    private final ReadWriteLock switching = new ReentrantReadWriteLock();

    private BpfDatapath(MapSet maps, Set<Forwarder> chosen, Path cgroup, boolean readOnly) {
        this.maps = maps;
        this.chosen = Set.copyOf(chosen);
        this.attachment = new Attachment(this.chosen, cgroup);
        this.readOnly = readOnly;
    }

    /**
     * The daemon's one way into this package: {@link #open(Path, Capacity, Path, Set)}, with a refusal turned
     * into a start-up refusal that says what to do. The host can run BPF (the caller checked), so a failure here
     * is something to fix, never a reason to fall back to memory.
     */
    public static BpfDatapath start(Path pinDir, Capacity capacity, Path cgroup, Set<Forwarder> chosen) {
        BpfDatapath datapath;
        try {
            datapath = open(pinDir, capacity, cgroup, chosen);
        } catch (BpfMapException e) {
            throw new StartupRefusedException("The BPF datapath at " + pinDir + " could not start: "
                    + e.getMessage(), action(e.errnoName()), e);
        }
        DatapathStatus status = datapath.status();
        log.info("Datapath: bpf, maps pinned at {}, read by {}; {} socket-LB programs attached to {} (cgroup id {})",
                pinDir, status.active().stream().map(Forwarder::label).toList(), status.socketLb().attached(),
                cgroup == null ? "the cgroup v2 root" : cgroup, status.socketLb().cgroupId());
        return datapath;
    }

    /** The host's cgroup v2 root as libcvsbpf finds it; empty when it finds none or cannot be loaded here. */
    public static Optional<Path> defaultCgroup() {
        try {
            return Optional.of(MapSet.defaultCgroup());
        } catch (BpfMapException | LinkageError e) {
            return Optional.empty();
        }
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
        MapSet maps = openOrCreate(pinDir, capacity);
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
            return new BpfDatapath(maps, chosen, cgroup, false);
        } catch (RuntimeException e) {
            maps.close();
            throw e;
        }
    }

    /**
     * A pinned map set as it is, whatever its capacity (the committer grows it to the configured one), or a new
     * one of the requested capacity when nothing is pinned. A writer's open also finishes or rolls back a resize
     * that a crash interrupted (libcvsbpf).
     */
    private static MapSet openOrCreate(Path pinDir, Capacity requested) {
        try {
            return MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING);
        } catch (BpfMapException e) {
            if (!e.errnoName().equals("ENOENT")) {
                throw e;
            }
            NativeLog.takeLastProblem();
            return MapSet.open(pinDir, requested, OpenMode.CREATE);
        }
    }

    /**
     * Opens the map set at pinDir beside its writer, to read only: no lock taken, nothing created, attached or
     * bound (chosen is empty). Every write through it is refused. For tools and tests that look at a live host.
     */
    public static BpfDatapath readOnly(Path pinDir) {
        return new BpfDatapath(MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY), Set.of(), null,
                true);
    }

    /**
     * Removes cvs from a host: detaches the socket-LB programs from whatever cgroup they are on and removes the
     * pinned map set at pinDir, so forwarding stops. The writer must be stopped first (EBUSY otherwise).
     */
    public static void uninstall(Path pinDir) {
        try (MapSet maps = MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING)) {
            maps.detachSocketLb();
        }
        MapSet.destroy(pinDir);
    }

    @Override
    public void apply(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        Lock lock = switching.readLock();
        lock.lock();
        try {
            upsert(maps, key, backends, policy);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<SelectionPolicy> policy(ServiceKey key) {
        return call(m -> m.policy(key));
    }

    /** libcvsbpf's pick, the datapaths' own selection code: ECONNREFUSED is a service without a usable backend. */
    @Override
    public Optional<PickedBackend> pick(ServiceKey key, ClientFlow client) {
        Lock lock = switching.readLock();
        lock.lock();
        try {
            Pick pick = maps.pick(key, client);
            return Optional.of(new PickedBackend(pick.address(), pick.port(), pick.reason(), pick.affinityAgeNanos(),
                    pick.hash(), client));
        } catch (BpfMapException e) {
            return switch (e.errnoName()) {
                case "ENOENT" -> Optional.empty();
                case "ECONNREFUSED" -> throw DatapathException.noUsableBackend(key);
                default -> throw translate(e);
            };
        } finally {
            lock.unlock();
        }
    }

    @Override
    public OptionalLong clientNetns(InetAddress address) {
        return call(m -> m.clientNetns(address));
    }

    @Override
    public Optional<MapOwner> owner() {
        return call(MapSet::owner);
    }

    @Override
    public void recordOwner(MapOwner owner) {
        call(m -> {
            m.recordOwner(owner);
            return null;
        });
    }

    @Override
    public AffinityUsage affinityUsage() {
        return call(MapSet::affinityUsage);
    }

    @Override
    public boolean remove(ServiceKey key) {
        return call(m -> m.delete(key));
    }

    @Override
    public List<ServiceKey> services() {
        return call(MapSet::list);
    }

    @Override
    public Optional<List<Backend>> backends(ServiceKey key) {
        return call(m -> m.get(key).map(ServiceInfo::backends));
    }

    @Override
    public Optional<ServiceCounters> counters(ServiceKey key) {
        return call(m -> m.counters(key));
    }

    @Override
    public Usage usage() {
        return call(MapSet::usage);
    }

    /**
     * Stages a map set of the target capacity beside the current one, fills it with contents while the current
     * one keeps serving (and keeps answering this datapath's readers), then switches every reader to it at once
     * and removes the current one (libcvsbpf's cvs_maps_switch). Writes must not run meanwhile: the committer,
     * the one writer, is the caller.
     */
    @Override
    public void resize(Capacity target, Map<ServiceKey, List<Backend>> contents,
            Map<ServiceKey, SelectionPolicy> policies) {
        target.problem().ifPresent(problem -> {
            throw new DatapathException(Reason.INVALID, "capacity " + target + ": " + problem);
        });
        MapSet current = maps;
        long started = System.nanoTime();
        MapSet next = call(m -> m.stage(target));
        try {
            contents.forEach((key, backends) -> upsert(next, key, backends,
                    policies.getOrDefault(key, SelectionPolicy.DEFAULT)));
        } catch (RuntimeException e) {
            discard(next, e);
            throw e;
        }
        long filled = System.nanoTime();
        Lock lock = switching.writeLock();
        lock.lock();
        try {
            current.switchTo(next);
            maps = next;
        } catch (BpfMapException e) {
            discard(next, e);
            throw translate(e);
        } finally {
            lock.unlock();
        }
        current.close();
        log.info("Map set {} resized from {} to {} with {} services: filled in {} ms, switched in {} ms",
                next.pinRoot(), current.capacity(), next.capacity(), contents.size(),
                (filled - started) / 1_000_000, (System.nanoTime() - filled) / 1_000_000);
    }

    @Override
    public void resync() {
        call(m -> {
            m.resync();
            return null;
        });
    }

    /** {@link Attachment#repair}, in order with the other calls on the map set. */
    @Override
    public List<Repair> repair() {
        return readOnly ? List.of() : call(attachment::repair);
    }

    @Override
    public Optional<Path> pinRoot() {
        return Optional.of(maps.pinRoot());
    }

    @Override
    public Optional<Drift> drift() {
        if (readOnly) {
            return Optional.empty();
        }
        return Optional.of(call(m -> attachment.drift(m, MapSet.moduleStatus())));
    }

    @Override
    public boolean consistent(ServiceKey key) {
        return call(m -> m.consistent(key));
    }

    /** One libcvsbpf call per few thousand services; a service whose check failed to read counts as OTHER. */
    @Override
    public List<Held> compare(List<ServiceKey> keys, List<List<Backend>> wanted, List<SelectionPolicy> policies) {
        int[] results = call(m -> m.checkAll(keys, wanted, policies));
        List<Held> held = new ArrayList<>(results.length);
        int unreadable = 0;
        for (int result : results) {
            held.add(switch (result) {
                case 0 -> Held.SAME;
                case -Errno.ENOENT -> Held.MISSING;
                case -Errno.EBADMSG -> Held.INCONSISTENT;
                default -> {
                    unreadable += result == -Errno.ESTALE ? 0 : 1;
                    yield Held.OTHER;
                }
            });
        }
        if (unreadable > 0) {
            log.warn("{} services could not be read back from the maps; they are rewritten", unreadable);
        }
        return held;
    }

    @Override
    public Map<ServiceKey, ServiceCounters> allCounters() {
        return call(MapSet::countersAll);
    }

    @Override
    public Flows.Support flowSupport() {
        return call(MapSet::flowSupport);
    }

    /**
     * The socket-LB's sweep, then cvs.ko's: each ends what it can whatever the other did, so one failing is logged
     * and the other still runs. The caller keeps the map set from closing under a sweep by holding the read side.
     */
    @Override
    public List<Flows.Ended> sweepFlows(Set<ServiceKey> resetTcp) {
        return call(m -> {
            List<Flows.Ended> ended = new ArrayList<>();
            sweep("socket-LB", () -> m.sweepSockets(resetTcp), ended);
            sweep("cvs.ko", () -> m.sweepModule(resetTcp), ended);
            return FlowCalls.merged(ended);
        });
    }

    private static void sweep(String forwarder, Supplier<List<Flows.Ended>> sweep,
            List<Flows.Ended> ended) {
        try {
            ended.addAll(sweep.get());
        } catch (BpfMapException e) {
            log.warn("The {} flow sweep failed; the next sweep tries again: {}", forwarder, e.getMessage());
        }
    }

    @Override
    public DatapathStatus status() {
        return call(m -> new DatapathStatus(DatapathMode.BPF, Optional.empty(), chosen, m.socketLbStatus(),
                MapSet.moduleStatus(), m.mapIds(), m.usage()));
    }

    /** Releases the map set; the programs stay attached (see the class comment). */
    @Override
    public void close() {
        Lock lock = switching.writeLock();
        lock.lock();
        try {
            maps.close();
        } finally {
            lock.unlock();
        }
    }

    private static void upsert(MapSet target, ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        key.otherFamily(backends).ifPresent(b -> {
            throw DatapathException.otherFamily(key, b);
        });
        try {
            target.upsert(key, backends, policy);
        } catch (BpfMapException e) {
            throw switch (e.errnoName()) {
                case "E2BIG" -> DatapathException.tooManyBackends(backends.size(), target.capacity().maxMembers());
                case "ENOSPC" -> noRoom(target, key, backends, policy, e);
                case "EFBIG" -> DatapathException.tableTooLarge(policy.maglevTableSize(),
                        target.capacity().maglevSlots(), target.capacity().maglevSlots(), false);
                default -> translate(e);
            };
        }
    }

    private static void discard(MapSet staged, Exception failure) {
        try {
            staged.discard();
        } catch (BpfMapException e) {
            failure.addSuppressed(e);
            log.error("The staged map set {} could not be removed; the next start removes it", staged.pinRoot(), e);
        }
    }

    /**
     * ENOSPC says that an id ran out, not which nor by how much, so read the maps (unchanged by the refused call)
     * for the numbers the problem carries, the same that the memory datapath gives.
     */
    private static DatapathException noRoom(MapSet maps, ServiceKey key, List<Backend> backends,
            SelectionPolicy policy, BpfMapException refusal) {
        try {
            Usage usage = maps.usage();
            Capacity max = usage.max();
            Optional<ServiceInfo> current = maps.get(key);
            if (current.isEmpty() && usage.services() >= max.maxServices()) {
                return DatapathException.noRoom(Resource.SERVICES, usage.services(), max.maxServices(), 1);
            }
            boolean wasMaglev = current.isPresent() && maps.policy(key).map(SelectionPolicy::isMaglev).orElse(false);
            if (policy.isMaglev() && !wasMaglev && usage.maglevTables() >= max.maglevTables()) {
                return DatapathException.noRoom(Resource.MAGLEV_TABLES, usage.maglevTables(), max.maglevTables(), 1);
            }
            int fresh = Endpoint.fresh(backends, current.map(ServiceInfo::backends).orElse(List.of()));
            return DatapathException.noRoom(Resource.BACKENDS, usage.backends(), max.maxBackends(), fresh);
        } catch (BpfMapException e) {
            refusal.addSuppressed(e);
            return translate(refusal);
        }
    }

    /** One call on the current map set, with libcvsbpf's refusal translated. */
    private <T> T call(Function<MapSet, T> mapCall) {
        Lock lock = switching.readLock();
        lock.lock();
        try {
            return mapCall.apply(maps);
        } catch (BpfMapException e) {
            throw translate(e);
        } finally {
            lock.unlock();
        }
    }

    private static String action(String errno) {
        return switch (errno) {
            case "EBUSY" -> "Another process (a cvs daemon?) writes this map set; stop it, or set cvs.bpf.pin-dir "
                    + "to another directory.";
            case "EEXIST" -> "The socket-LB programs are attached to another cgroup than cvs.bpf.cgroup: set it to "
                    + "that one, or detach them first.";
            case "EPROTO" -> "Something else, or an incompatible cvs version, is pinned there, or cvs.ko was built "
                    + "for another map ABI (the kernel log says which); remove it or set cvs.bpf.pin-dir to another "
                    + "directory, or load a matching cvs.ko.";
            case "ENODEV" -> "cvs.bpf.datapaths includes module but cvs.ko is not loaded: load it (insmod "
                    + "kernel-module/cvs.ko, see kernel-module/README.md) or leave module out.";
            default -> "Check the pin directory and cgroup (cvs.bpf.pin-dir, cvs.bpf.cgroup) and the message above.";
        };
    }

    /** libcvsbpf's errno as cvsbpf.h lists them for a service change. */
    private static DatapathException translate(BpfMapException e) {
        Reason reason = switch (e.errnoName()) {
            case "EINVAL", "ERANGE", "EEXIST", "EPROTONOSUPPORT", "EDOM" -> Reason.INVALID;
            default -> Reason.FAILED;
        };
        return new DatapathException(reason, e.getMessage(), e);
    }
}
