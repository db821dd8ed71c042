package io.cvs.datapath.bpf;

import static io.cvs.datapath.bpf.BpfMapException.check;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Flows;
import io.cvs.datapath.MapIds;
import io.cvs.datapath.ModuleStatus;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.Usage;
import io.cvs.ownership.MapOwner;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * An open cvs map set (cvsbpf.h): the pinned maps that the datapaths read. Each method is one libcvsbpf call;
 * a failed call throws {@link BpfMapException} and leaves the maps as they were. Safe to share between threads
 * (C serialises the calls of a handle anyway, so Java does too and reuses one native buffer).
 */
final class MapSet implements AutoCloseable {

    /** CVS_PIN_ROOT_DEFAULT of cvs_abi.h. */
    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf/cvs/v1");

    /** PATH_MAX, with its terminating NUL. */
    private static final int PATH_BYTES = 4096;

    /** Where its maps are pinned: moves from the staging directory to the pin root when a staged set switches. */
    private volatile Path pinRoot;
    private final Capacity capacity;
    private final CallBuffer buffer;
    private Pointer handle;
    /*
     * The cgroup path this process attached the socket-LB to, as it was given. The sweeps and the client search walk
     * it rather than let C find the attached cgroup below the default root: in a container that root is the
     * container's own cgroup namespace, and the host's cgroup it attached to (mounted elsewhere) is not below it.
     */
    private volatile String attachedCgroup;

    private MapSet(Path pinRoot, Pointer handle, Capacity capacity) {
        this.pinRoot = pinRoot;
        this.handle = handle;
        this.capacity = capacity;
        this.buffer = new CallBuffer(Math.max(capacity.maxServices() * NativeLayout.SVC_KEY_SIZE,
                capacity.maxMembers() * NativeLayout.BACKEND_COUNTERS_SIZE));
    }

    /**
     * Opens the map set pinned at pinRoot, creating it (with its parent directories on bpffs) in mode CREATE when
     * nothing is pinned there. Pinned entries are reused as they are, never flushed.
     */
    public static MapSet open(Path pinRoot, Capacity capacity, OpenMode mode) {
        Objects.requireNonNull(pinRoot, "pinRoot");
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(mode, "mode");
        PointerByReference out = new PointerByReference();
        check("cvs_maps_open", LibCvsBpf.cvs_maps_open(pinRoot.toString(), NativeStructs.CvsCapacity.of(capacity),
                mode.flags, out));
        Pointer handle = out.getValue();
        try {
            return new MapSet(pinRoot, handle, usage(handle).max());
        } catch (Throwable e) {
            LibCvsBpf.cvs_maps_close(handle);
            throw e;
        }
    }

    /**
     * Builds an empty map set of the given capacity beside this one (at the pin root plus "_next": bpffs takes
     * no dots in names; zero fields: this set's) and opens it as its writer, to be filled with every service and
     * then {@linkplain #switchTo switched to}. Refused with EEXIST while another staged set is held or read, EINVAL for a capacity no map set
     * can have.
     */
    public synchronized MapSet stage(Capacity target) {
        Objects.requireNonNull(target, "target");
        PointerByReference out = new PointerByReference();
        check("cvs_maps_stage", LibCvsBpf.cvs_maps_stage(open(), NativeStructs.CvsCapacity.of(target), out));
        Pointer staged = out.getValue();
        try {
            return new MapSet(Path.of(pinRoot + "_next"), staged, usage(staged).max());
        } catch (Throwable e) {
            LibCvsBpf.cvs_maps_discard(staged);
            throw e;
        }
    }

    /**
     * Moves every reader of this map set to next (staged by {@link #stage} and filled), carrying the counters,
     * puts next's maps at this set's pin root and removes this set's maps. Afterwards this set only needs closing.
     * When it fails before a reader moved, nothing changed and next is still staged ({@link #discard} it); a crash
     * anywhere is finished or rolled back by the next writer's open.
     */
    public void switchTo(MapSet next) {
        Objects.requireNonNull(next, "next");
        synchronized (this) {
            synchronized (next) {
                check("cvs_maps_switch", LibCvsBpf.cvs_maps_switch(open(), next.open()));
                next.pinRoot = pinRoot;
            }
        }
    }

    /** Removes a staged map set that was not switched to, and closes it. */
    public synchronized void discard() {
        if (handle != null) {
            int result = LibCvsBpf.cvs_maps_discard(handle);
            handle = null;
            check("cvs_maps_discard", result);
        }
    }

    /** Removes a map set's pins and directory; EBUSY while a writer has it open. For tests and uninstalling. */
    public static void destroy(Path pinRoot) {
        Objects.requireNonNull(pinRoot, "pinRoot");
        check("cvs_maps_destroy", LibCvsBpf.cvs_maps_destroy(pinRoot.toString()));
    }

    public Path pinRoot() {
        return pinRoot;
    }

    /** The capacity the map set was created with. */
    public Capacity capacity() {
        return capacity;
    }

    public synchronized Usage usage() {
        return usage(open());
    }

    public synchronized MapIds mapIds() {
        NativeStructs.CvsMapIds ids = new NativeStructs.CvsMapIds();
        check("cvs_maps_ids", LibCvsBpf.cvs_maps_ids(open(), ids));
        return ids.toMapIds();
    }

    /** Creates or replaces the service with exactly these backends, atomically for the datapaths. */
    public synchronized void upsert(ServiceKey key, List<Backend> backends) {
        upsert(key, backends, SelectionPolicy.DEFAULT);
    }

    /**
     * Creates or replaces the service with exactly these backends and this policy, in one flip
     * (cvs_service_upsert_policy): a MAGLEV service's table is rebuilt from its usable backends. Besides upsert's
     * refusals: EINVAL (a policy C refuses), EDOM (a table smaller than the usable backends), EFBIG (a table larger
     * than the set's Maglev slots), ENOSPC (also: no free Maglev region).
     */
    public synchronized void upsert(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(policy, "policy");
        Pointer m = open();
        buffer.putKey(key);
        buffer.putPolicy(policy);
        int n = buffer.putBackends(key, backends);
        check("cvs_service_upsert_policy",
                LibCvsBpf.cvs_service_upsert_policy(m, buffer.key(), buffer.policy(), buffer.array(), n));
    }

    /** The service's policy as the maps hold it now, or empty when there is no such service. */
    public synchronized Optional<SelectionPolicy> policy(ServiceKey key) {
        Objects.requireNonNull(key, "key");
        Pointer m = open();
        buffer.putKey(key);
        int result = LibCvsBpf.cvs_service_policy_get(m, buffer.key(), buffer.policy());
        if (isNoSuchService(result)) {
            return Optional.empty();
        }
        check("cvs_service_policy_get", result);
        return Optional.of(buffer.policyValue());
    }

    /** Removes the service; false when there was none. */
    public synchronized boolean delete(ServiceKey key) {
        Objects.requireNonNull(key, "key");
        Pointer m = open();
        buffer.putKey(key);
        int result = LibCvsBpf.cvs_service_delete(m, buffer.key());
        if (isNoSuchService(result)) {
            return false;
        }
        check("cvs_service_delete", result);
        return true;
    }

    /** The service as the maps hold it now (not a cache), or empty when there is none. */
    public synchronized Optional<ServiceInfo> get(ServiceKey key) {
        Objects.requireNonNull(key, "key");
        Pointer m = open();
        buffer.putKey(key);
        buffer.ensureArray(capacity.maxMembers() * NativeLayout.BACKEND_SPEC_SIZE);
        NativeStructs.CvsServiceInfo info = new NativeStructs.CvsServiceInfo();
        int result = LibCvsBpf.cvs_service_get(m, buffer.key(), info, buffer.array(), capacity.maxMembers());
        if (isNoSuchService(result)) {
            return Optional.empty();
        }
        check("cvs_service_get", result);
        List<Backend> backends = buffer.backends(info.members, NativeAddress.family(key.vip()));
        return Optional.of(new ServiceInfo(info.id, info.gen, info.slots, backends));
    }

    /** All service keys, as one consistent snapshot, in map order. */
    public synchronized List<ServiceKey> list() {
        Pointer m = open();
        buffer.ensureArray(capacity.maxServices() * NativeLayout.SVC_KEY_SIZE);
        check("cvs_service_list",
                LibCvsBpf.cvs_service_list(m, buffer.array(), capacity.maxServices(), buffer.count()));
        return buffer.keys(buffer.countValue());
    }

    /** The service's counters summed over CPUs, or empty when there is no such service. */
    public synchronized Optional<ServiceCounters> counters(ServiceKey key) {
        Objects.requireNonNull(key, "key");
        Pointer m = open();
        buffer.putKey(key);
        buffer.ensureArray(capacity.maxMembers() * NativeLayout.BACKEND_COUNTERS_SIZE);
        int result = LibCvsBpf.cvs_service_counters(m, buffer.key(), buffer.serviceCounters(), buffer.array(),
                capacity.maxMembers(), buffer.count());
        if (isNoSuchService(result)) {
            return Optional.empty();
        }
        check("cvs_service_counters", result);
        return Optional.of(buffer.counters(buffer.countValue(), NativeAddress.family(key.vip())));
    }

    /**
     * Where a new connection to the service would go now, picked as the datapaths pick. Refusals are errors here:
     * ENOENT (not a service), ECONNREFUSED (no usable backend), EAGAIN (contended by concurrent changes).
     */
    public synchronized Pick pick(ServiceKey key) {
        Objects.requireNonNull(key, "key");
        Pointer m = open();
        buffer.putKey(key);
        NativeStructs.CvsPick pick = new NativeStructs.CvsPick();
        check("cvs_service_pick", LibCvsBpf.cvs_service_pick(m, buffer.key(), pick));
        return pick.toPick(NativeAddress.family(key.vip()));
    }

    /**
     * The backend the datapaths would give client now (cvs_service_pick_flow): by its affinity entry (read, never
     * stored), the Maglev table, or one random sample. Refusals as {@link #pick(ServiceKey)}.
     */
    public synchronized Pick pick(ServiceKey key, ClientFlow client) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(client, "client");
        Pointer m = open();
        buffer.putKey(key);
        NativeStructs.CvsPick pick = new NativeStructs.CvsPick();
        check("cvs_service_pick_flow", LibCvsBpf.cvs_service_pick_flow(m, buffer.key(), NativeStructs.CvsFlow.of(client),
                pick));
        return pick.toPick(NativeAddress.family(key.vip()));
    }

    /**
     * The cookie of the network namespace, of a process below the socket-LB's cgroup, that has address
     * (cvs_client_netns); empty when none has it (ENOENT). Enters namespaces on a thread of C's own.
     */
    public synchronized OptionalLong clientNetns(InetAddress address) {
        Objects.requireNonNull(address, "address");
        LongByReference cookie = new LongByReference();
        int result = LibCvsBpf.cvs_client_netns(open(), attachedCgroup, (byte) NativeAddress.family(address),
                NativeAddress.bytes(address), cookie);
        if (result == -Errno.ENOENT) {
            NativeLog.takeLastProblem();
            return OptionalLong.empty();
        }
        check("cvs_client_netns", result);
        return OptionalLong.of(cookie.getValue());
    }

    /** The owner record (cvs_owner_get); empty when the set holds none (ENOENT). */
    public synchronized Optional<MapOwner> owner() {
        NativeStructs.CvsOwner out = new NativeStructs.CvsOwner();
        int result = LibCvsBpf.cvs_owner_get(open(), out);
        if (result == -Errno.ENOENT) {
            NativeLog.takeLastProblem();
            return Optional.empty();
        }
        check("cvs_owner_get", result);
        return Optional.of(out.toOwner());
    }

    /** Writes the owner record (cvs_owner_set: one map update; libcvsbpf stamps the time). */
    public synchronized void recordOwner(MapOwner owner) {
        check("cvs_owner_set", LibCvsBpf.cvs_owner_set(open(), NativeStructs.CvsOwner.of(owner)));
    }

    /** The session affinity entries the maps hold (cvs_affinity_usage: a batched read of the LRU map). */
    public synchronized AffinityUsage affinityUsage() {
        NativeStructs.CvsAffinityUsage usage = new NativeStructs.CvsAffinityUsage();
        check("cvs_affinity_usage", LibCvsBpf.cvs_affinity_usage(open(), usage));
        return usage.toUsage();
    }

    /**
     * Whether the maps are consistent for the service: its current member list, the backend records it names and
     * its selection table are what an upsert of those members writes, as the datapaths read them. libcvsbpf logs
     * what differs. It cannot tell whether those are the backends the service should have; compare {@link #get}
     * for that. False also when there is no such service, since either way an upsert is what puts it right.
     * Cheap enough to call for every service on every pass, and works on a read-only map set.
     *
     * <p>An upsert writes a whole new generation, which repairs the service; when a backend record was altered,
     * {@link #resync} first, or the writer keeps the copy it remembers.
     */
    public synchronized boolean consistent(ServiceKey key) {
        Objects.requireNonNull(key, "key");
        Pointer m = open();
        buffer.putKey(key);
        int result = LibCvsBpf.cvs_service_verify(m, buffer.key());
        if (result == -Errno.EBADMSG) {
            NativeLog.takeLastProblem();
            return false;
        }
        if (isNoSuchService(result)) {
            return false;
        }
        check("cvs_service_verify", result);
        return true;
    }

    /**
     * For each key, what libcvsbpf's cvs_services_check_policy says of the maps against the backends and policy at
     * the same index of wanted and policies: 0 (exactly those, consistent), -ESTALE (other backends or policy),
     * -EBADMSG (those, inconsistent, or a Maglev table that is not the one they give), -ENOENT (no such service) or
     * another -errno for that service alone. Thousands of services per call.
     */
    public synchronized int[] checkAll(List<ServiceKey> keys, List<List<Backend>> wanted,
            List<SelectionPolicy> policies) {
        if (keys.size() != wanted.size() || keys.size() != policies.size()) {
            throw new IllegalArgumentException(keys.size() + " keys, " + wanted.size() + " backend lists, "
                    + policies.size() + " policies");
        }
        return BulkCalls.check(open(), keys, wanted, policies);
    }

    /** Every service's counters summed over CPUs, read in one call (cvs_counters_all). */
    public synchronized Map<ServiceKey, ServiceCounters> countersAll() {
        Pointer m = open();
        Usage usage = usage(m);
        return BulkCalls.countersAll(m, usage.services(), usage.backends());
    }

    /**
     * Rebuilds what this writer remembers of the maps from the maps themselves, as opening does, for changes made
     * behind its back (an entry deleted or a record altered with bpftool): ids that no service references any more
     * are free again, {@link #usage} counts what the maps hold, and the next upsert compares against the backend
     * records the maps hold. Writes nothing to the maps. Refused with EROFS on a read-only map set, and with EPROTO
     * when the maps hold what opening would refuse too, such as a member naming a backend id that is out of range or
     * another member's: upsert the services {@link #consistent} rejects, then resync again. A refused resync
     * changes nothing.
     */
    public synchronized void resync() {
        check("cvs_maps_resync", LibCvsBpf.cvs_maps_resync(open()));
    }

    /**
     * Compares the maps, pins and links with what this writer made (cvs_maps_drift): one batched read of the
     * service hashes, the generation words from the writer's mapping, a look at each pin. EROFS on a read-only set.
     */
    public synchronized NativeStructs.CvsDrift drift() {
        NativeStructs.CvsDrift drift = new NativeStructs.CvsDrift();
        check("cvs_maps_drift", LibCvsBpf.cvs_maps_drift(open(), drift));
        return drift;
    }

    /**
     * Pins again, from the maps this writer holds, every map pin that is gone, and the pin root itself
     * (cvs_maps_repin); returns how many it pinned. Refused with ESTALE, pinning nothing, when a name holds another
     * map, and with EBUSY when the root was replaced and another writer holds the new one.
     */
    public synchronized int repin() {
        int pinned = LibCvsBpf.cvs_maps_repin(open());
        check("cvs_maps_repin", Math.min(pinned, 0));
        return pinned;
    }

    /**
     * The host's cgroup v2 root, where {@link #attachSocketLb} attaches by default: /sys/fs/cgroup on a unified
     * host, /sys/fs/cgroup/unified on a hybrid one. ENOENT when neither is cgroup v2.
     */
    public static Path defaultCgroup() {
        byte[] path = new byte[PATH_BYTES];
        check("cvs_cgroup_default", LibCvsBpf.cvs_cgroup_default(path, path.length));
        return Path.of(Native.toString(path));
    }

    /**
     * Attaches the socket-LB programs to the cgroup v2 directory at cgroup ({@code null}: {@link #defaultCgroup()})
     * and pins their links under the pin root, so that they stay attached after this process exits. Attaching
     * again to the same cgroup adopts the pinned links and replaces their programs in place; it never stacks a
     * second copy. Refused with ENOENT when cgroup does not exist, EINVAL when it is not a cgroup v2 directory,
     * EEXIST while attached to another cgroup (detach first), EROFS on a read-only map set; nothing is attached
     * when the call fails.
     */
    public synchronized void attachSocketLb(Path cgroup) {
        String path = cgroup == null ? null : cgroup.toString();
        check("cvs_sock_attach", LibCvsBpf.cvs_sock_attach(open(), path));
        attachedCgroup = path;
    }

    /** Detaches the socket-LB programs and removes their pins; does nothing when they are not attached. */
    public synchronized void detachSocketLb() {
        check("cvs_sock_detach", LibCvsBpf.cvs_sock_detach(open()));
        attachedCgroup = null;
    }

    /**
     * Makes cvs.ko serve this map set: it takes references to these maps by their ids and drops those of the set
     * it served before, if any. Refused with ENODEV when the module is not loaded, EPROTO when its ABI or a map's
     * layout differs from this library's (the kernel log says which), EROFS on a read-only map set.
     */
    public synchronized void bindModule() {
        check("cvs_module_bind", LibCvsBpf.cvs_module_bind(open()));
    }

    /** Makes cvs.ko serve no map set (VIPs pass it untranslated). ENODEV when it is not loaded. */
    public static void unbindModule() {
        check("cvs_module_unbind", LibCvsBpf.cvs_module_unbind());
    }

    /** What cvs.ko serves, read from its sysfs files; {@link ModuleStatus#NOT_LOADED} when it is not loaded. */
    public static ModuleStatus moduleStatus() {
        NativeStructs.CvsModuleStatus status = new NativeStructs.CvsModuleStatus();
        int result = LibCvsBpf.cvs_module_status(status);
        if (result == -Errno.ENODEV) {
            return ModuleStatus.NOT_LOADED;
        }
        check("cvs_module_status", result);
        return status.toStatus();
    }

    /** Where the socket-LB programs are attached now, as the pinned links say; readable beside the writer. */
    public synchronized SocketLbStatus socketLbStatus() {
        NativeStructs.CvsSockStatus status = new NativeStructs.CvsSockStatus();
        check("cvs_sock_status", LibCvsBpf.cvs_sock_status(open(), status));
        return status.toStatus();
    }

    /** How flows can be ended on this host (cvs_flows_status). */
    public synchronized Flows.Support flowSupport() {
        NativeStructs.CvsFlowsStatus status = new NativeStructs.CvsFlowsStatus();
        check("cvs_flows_status", LibCvsBpf.cvs_flows_status(open(), status));
        return status.toSupport();
    }

    /**
     * Ends the socket-LB's stale flows below the cgroup its programs are attached to (cvs_flows_sweep): connected
     * UDP always, TCP of the resetTcp services; nothing when this kernel cannot end sockets. Not synchronized: it
     * walks sockets, and this object's other callers need not wait for it (C serialises what must be).
     */
    public List<Flows.Ended> sweepSockets(Set<ServiceKey> resetTcp) {
        Pointer m = handle();
        String cgroup = attachedCgroup;
        return FlowCalls.sweep("cvs_flows_sweep", resetTcp, Errno.EOPNOTSUPP,
                (keys, n, out, cap, count) -> LibCvsBpf.cvs_flows_sweep(m, cgroup, keys, n, out, cap, count));
    }

    /** The same for cvs.ko's conntrack entries (cvs_module_sweep); nothing when the module is not loaded. */
    public List<Flows.Ended> sweepModule(Set<ServiceKey> resetTcp) {
        Pointer m = handle();
        return FlowCalls.sweep("cvs_module_sweep", resetTcp, Errno.ENODEV,
                (keys, n, out, cap, count) -> LibCvsBpf.cvs_module_sweep(m, keys, n, out, cap, count));
    }

    /** Closes the handle (and releases the writer lock); the pinned maps and their entries stay. Idempotent. */
    @Override
    public synchronized void close() {
        if (handle != null) {
            LibCvsBpf.cvs_maps_close(handle);
            NativeLog.takeLastProblem();
            handle = null;
        }
    }

    @Override
    public String toString() {
        return "MapSet[" + pinRoot + (handle == null ? ", closed]" : "]");
    }

    /** The open handle, for a call made without this object's lock; its caller keeps the set from closing. */
    private synchronized Pointer handle() {
        return open();
    }

    /** Using a freed handle would be a use-after-free in C; refuse in Java instead. */
    private Pointer open() {
        if (handle == null) {
            throw new IllegalStateException("map set " + pinRoot + " is closed");
        }
        return handle;
    }

    private static boolean isNoSuchService(int result) {
        if (result != -Errno.ENOENT) {
            return false;
        }
        NativeLog.takeLastProblem();
        return true;
    }

    private static Usage usage(Pointer handle) {
        NativeStructs.CvsUsage usage = new NativeStructs.CvsUsage();
        check("cvs_maps_usage", LibCvsBpf.cvs_maps_usage(handle, usage));
        return usage.toUsage();
    }
}
