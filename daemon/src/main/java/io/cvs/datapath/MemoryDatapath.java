package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.DatapathException.Reason;
import io.cvs.datapath.DatapathException.Resource;
import io.cvs.ownership.MapOwner;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.FlowHash;
import io.cvs.selection.PickedBackend;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

/**
 * A datapath that only remembers: services live in this process and nothing is forwarded. It refuses what
 * libcvsbpf refuses, with the same reasons and the same capacity arithmetic (a kept backend keeps its id; a new
 * one needs a free id before the ids of removed ones come back), so code tested against it behaves the same on
 * the maps. Counters stay zero. It holds no flows, so a sweep ends nothing; the sweeps asked for are recorded, so
 * tests can see when and with which services to reset they ran.
 *
 * <p>Policies are held and refused as libcvsbpf refuses them (a Maglev region per MAGLEV service, a table no larger
 * than the capacity's Maglev slots and no smaller than the usable backends). Its pick is a model, not the datapaths'
 * code: it hashes the flow with the same function ({@link FlowHash}), but its MAGLEV pick is a weighted lookup of
 * that hash rather than libcvsbpf's Maglev table (the same client gets the same backend, not necessarily the one
 * the maps would give), and, since nothing connects through it, it holds no affinity entries.
 */
public final class MemoryDatapath implements Datapath {

    /** What libcvsbpf gives a map set created without a capacity (cvsbpf.h, struct cvs_capacity). */
    public static final Capacity LIBCVSBPF_DEFAULT = new Capacity(1024, 16384, 256, 1024);

    private static final int WEIGHT_MAX = 65535;
    private static final SocketLbStatus NOT_ATTACHED = new SocketLbStatus(0, List.of());

    private Capacity capacity;
    private final Optional<String> fallbackReason;
    private final Map<ServiceKey, List<Backend>> services = new LinkedHashMap<>();
    private final Map<ServiceKey, SelectionPolicy> policies = new HashMap<>();
    private final Random random = new Random();
    private volatile MapOwner owner;
    private int backendsInUse;
    private final List<Set<ServiceKey>> sweeps = new ArrayList<>();

    /** fallbackReason: why this is not the BPF datapath, when BPF was wanted; null when memory was asked for. */
    public MemoryDatapath(Capacity capacity, String fallbackReason) {
        this.capacity = capacity;
        this.fallbackReason = Optional.ofNullable(fallbackReason);
    }

    @Override
    public synchronized void apply(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        List<Backend> desired = List.copyOf(backends);
        check(key, desired);
        checkPolicy(key, desired, policy);
        List<Backend> current = services.get(key);
        if (current == null && services.size() >= capacity.maxServices()) {
            throw DatapathException.noRoom(Resource.SERVICES, services.size(), capacity.maxServices(), 1);
        }
        boolean newRegion = policy.isMaglev() && !policies.getOrDefault(key, SelectionPolicy.DEFAULT).isMaglev();
        if (newRegion && maglevTablesInUse() >= capacity.maglevTables()) {
            throw DatapathException.noRoom(Resource.MAGLEV_TABLES, maglevTablesInUse(), capacity.maglevTables(), 1);
        }
        int fresh = Endpoint.fresh(desired, current == null ? List.of() : current);
        if (fresh > capacity.maxBackends() - backendsInUse) {
            throw DatapathException.noRoom(Resource.BACKENDS, backendsInUse, capacity.maxBackends(), fresh);
        }
        backendsInUse += desired.size() - (current == null ? 0 : current.size());
        services.put(key, desired);
        policies.put(key, policy);
    }

    /** libcvsbpf's refusals of a policy: EINVAL, EFBIG (beyond the Maglev slots), EDOM (fewer slots than backends). */
    private void checkPolicy(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        policy.problem().ifPresent(problem -> {
            throw new DatapathException(Reason.INVALID, key + ": " + problem);
        });
        if (!policy.isMaglev()) {
            return;
        }
        if (policy.maglevTableSize() > capacity.maglevSlots()) {
            throw DatapathException.tableTooLarge(policy.maglevTableSize(), capacity.maglevSlots(),
                    capacity.maglevSlots(), false);
        }
        long usable = backends.stream().filter(Backend::selectable).count();
        if (policy.maglevTableSize() < usable) {
            throw new DatapathException(Reason.INVALID, key + ": a Maglev table of " + policy.maglevTableSize()
                    + " slots is smaller than its " + usable + " usable backends");
        }
    }

    private int maglevTablesInUse() {
        return (int) policies.values().stream().filter(SelectionPolicy::isMaglev).count();
    }

    @Override
    public synchronized Optional<SelectionPolicy> policy(ServiceKey key) {
        return services.containsKey(key) ? Optional.of(policies.get(key)) : Optional.empty();
    }

    /** The model described above: no affinity, a weighted lookup of the flow hash for MAGLEV, else one sample. */
    @Override
    public synchronized Optional<PickedBackend> pick(ServiceKey key, ClientFlow client) {
        List<Backend> backends = services.get(key);
        if (backends == null) {
            return Optional.empty();
        }
        List<Backend> usable = new ArrayList<>(backends.stream().filter(Backend::selectable).toList());
        if (usable.isEmpty()) {
            throw DatapathException.noUsableBackend(key);
        }
        long hash = FlowHash.of(client, key.vip(), key.port(), key.protocol().number());
        SelectionPolicy policy = policies.get(key);
        long total = usable.stream().mapToLong(Backend::weight).sum();
        long point;
        PickedBackend.Reason reason;
        if (policy.isMaglev()) {
            usable.sort(Endpoint.ORDER);
            point = hash % policy.maglevTableSize() * total / policy.maglevTableSize();
            reason = PickedBackend.Reason.MAGLEV;
        } else {
            point = (long) (random.nextDouble() * total);
            reason = PickedBackend.Reason.RANDOM;
        }
        for (Backend b : usable) {
            point -= b.weight();
            if (point < 0) {
                return Optional.of(new PickedBackend(b.address(), b.port(), reason, 0, hash, client));
            }
        }
        throw new IllegalStateException("a point below the weights' sum fell past them");
    }

    /** It holds no namespaces: every client is a routed one. */
    @Override
    public OptionalLong clientNetns(InetAddress address) {
        return OptionalLong.empty();
    }

    /** Nothing connects through it, so it holds no entries; its capacity is the configured one. */
    @Override
    public Optional<MapOwner> owner() {
        return Optional.ofNullable(owner);
    }

    @Override
    public void recordOwner(MapOwner record) {
        owner = new MapOwner(record.journalId(), record.appliedSeq(), Instant.now());
    }

    @Override
    public synchronized AffinityUsage affinityUsage() {
        return new AffinityUsage(0, 0, capacity.affinityEntries());
    }

    @Override
    public synchronized boolean remove(ServiceKey key) {
        List<Backend> removed = services.remove(key);
        if (removed == null) {
            return false;
        }
        backendsInUse -= removed.size();
        policies.remove(key);
        return true;
    }

    @Override
    public synchronized List<ServiceKey> services() {
        return List.copyOf(services.keySet());
    }

    @Override
    public synchronized Optional<List<Backend>> backends(ServiceKey key) {
        return Optional.ofNullable(services.get(key));
    }

    @Override
    public synchronized Optional<ServiceCounters> counters(ServiceKey key) {
        return Optional.ofNullable(services.get(key)).map(backends -> new ServiceCounters(0, 0,
                backends.stream().map(b -> new BackendCounters(b.address(), b.port(), 0, 0, 0)).toList()));
    }

    /** Its entries are one list per service: a held service is the same or other, never inconsistent. */
    @Override
    public synchronized List<Held> compare(List<ServiceKey> keys, List<List<Backend>> wanted,
            List<SelectionPolicy> wantedPolicies) {
        List<Held> held = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            List<Backend> current = services.get(keys.get(i));
            held.add(current == null ? Held.MISSING : current.equals(wanted.get(i))
                    && policies.get(keys.get(i)).equals(wantedPolicies.get(i)) ? Held.SAME : Held.OTHER);
        }
        return held;
    }

    @Override
    public synchronized Map<ServiceKey, ServiceCounters> allCounters() {
        Map<ServiceKey, ServiceCounters> all = new HashMap<>(services.size() * 4 / 3 + 1);
        for (ServiceKey key : services.keySet()) {
            all.put(key, counters(key).orElseThrow());
        }
        return all;
    }

    /** Nothing but this object writes it, so there is nothing to relearn. */
    @Override
    public void resync() {
    }

    /** Its entries are one list per service, so a service that exists is consistent. */
    @Override
    public synchronized boolean consistent(ServiceKey key) {
        return services.containsKey(key);
    }

    @Override
    public Flows.Support flowSupport() {
        return Flows.Support.NONE;
    }

    @Override
    public synchronized List<Flows.Ended> sweepFlows(Set<ServiceKey> resetTcp) {
        sweeps.add(Set.copyOf(resetTcp));
        return List.of();
    }

    /** The resetTcp argument of every sweep so far, oldest first. */
    public synchronized List<Set<ServiceKey>> sweeps() {
        return List.copyOf(sweeps);
    }

    @Override
    public synchronized DatapathStatus status() {
        return new DatapathStatus(DatapathMode.MEMORY, fallbackReason, NOT_ATTACHED,
                new Usage(capacity, services.size(), backendsInUse, maglevTablesInUse()));
    }

    /** Fills a new memory datapath of the target capacity with contents, then takes its place. */
    @Override
    public synchronized void resize(Capacity target, Map<ServiceKey, List<Backend>> contents,
            Map<ServiceKey, SelectionPolicy> withPolicies) {
        target.problem().ifPresent(problem -> {
            throw new DatapathException(Reason.INVALID, "capacity " + target + ": " + problem);
        });
        MemoryDatapath next = new MemoryDatapath(target, null);
        contents.forEach((key, backends) -> next.apply(key, backends,
                withPolicies.getOrDefault(key, SelectionPolicy.DEFAULT)));
        capacity = target;
        services.clear();
        services.putAll(next.services);
        policies.clear();
        policies.putAll(next.policies);
        backendsInUse = next.backendsInUse;
    }

    /** In libcvsbpf's order: the key, then the set's size, then each backend, then duplicates. */
    private void check(ServiceKey key, List<Backend> backends) {
        if (isZero(key.vip()) || key.port() == 0) {
            throw new DatapathException(Reason.INVALID, "service address and port must not be 0: " + key);
        }
        if (IpAddresses.isIpv4Mapped(key.vip())) {
            throw new DatapathException(Reason.INVALID, "service address must not be IPv4-mapped: " + key);
        }
        key.otherFamily(backends).ifPresent(b -> {
            throw DatapathException.otherFamily(key, b);
        });
        if (backends.size() > capacity.maxMembers()) {
            throw DatapathException.tooManyBackends(backends.size(), capacity.maxMembers());
        }
        for (Backend b : backends) {
            if (isZero(b.address()) || b.port() == 0) {
                throw new DatapathException(Reason.INVALID, "backend address and port must not be 0: " + b);
            }
            if (IpAddresses.isIpv4Mapped(b.address())) {
                throw new DatapathException(Reason.INVALID, "backend address must not be IPv4-mapped: " + b);
            }
            if (b.weight() < 0 || b.weight() > WEIGHT_MAX) {
                throw new DatapathException(Reason.INVALID, "weight outside 0.." + WEIGHT_MAX + ": " + b);
            }
        }
        if (Endpoint.of(backends).size() != backends.size()) {
            throw new DatapathException(Reason.INVALID, "backend listed twice in one set");
        }
    }

    private static boolean isZero(InetAddress address) {
        return address.isAnyLocalAddress();
    }
}
