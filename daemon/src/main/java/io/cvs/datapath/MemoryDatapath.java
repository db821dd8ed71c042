package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.DatapathException.Reason;
import io.cvs.datapath.DatapathException.Resource;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A datapath that only remembers: services live in this process and nothing is forwarded. It refuses what
 * libcvsbpf refuses, with the same reasons and the same capacity arithmetic (a kept backend keeps its id; a new
 * one needs a free id before the ids of removed ones come back), so code tested against it behaves the same on
 * the maps. Counters stay zero. It holds no flows, so a sweep ends nothing; the sweeps asked for are recorded, so
 * tests can see when and with which services to reset they ran.
 */
public final class MemoryDatapath implements Datapath {

    /** What libcvsbpf gives a map set created without a capacity (cvsbpf.h, struct cvs_capacity). */
    public static final Capacity LIBCVSBPF_DEFAULT = new Capacity(1024, 16384, 256, 1024);

    private static final int WEIGHT_MAX = 65535;
    private static final SocketLbStatus NOT_ATTACHED = new SocketLbStatus(0, List.of());

    private Capacity capacity;
    private final Optional<String> fallbackReason;
    private final Map<ServiceKey, List<Backend>> services = new LinkedHashMap<>();
    private int backendsInUse;
    private final List<Set<ServiceKey>> sweeps = new ArrayList<>();

    /** fallbackReason: why this is not the BPF datapath, when BPF was wanted; null when memory was asked for. */
    public MemoryDatapath(Capacity capacity, String fallbackReason) {
        this.capacity = capacity;
        this.fallbackReason = Optional.ofNullable(fallbackReason);
    }

    @Override
    public synchronized void apply(ServiceKey key, List<Backend> backends) {
        List<Backend> desired = List.copyOf(backends);
        check(key, desired);
        List<Backend> current = services.get(key);
        if (current == null && services.size() >= capacity.maxServices()) {
            throw DatapathException.noRoom(Resource.SERVICES, services.size(), capacity.maxServices(), 1);
        }
        int fresh = Endpoint.fresh(desired, current == null ? List.of() : current);
        if (fresh > capacity.maxBackends() - backendsInUse) {
            throw DatapathException.noRoom(Resource.BACKENDS, backendsInUse, capacity.maxBackends(), fresh);
        }
        backendsInUse += desired.size() - (current == null ? 0 : current.size());
        services.put(key, desired);
    }

    @Override
    public synchronized boolean remove(ServiceKey key) {
        List<Backend> removed = services.remove(key);
        if (removed == null) {
            return false;
        }
        backendsInUse -= removed.size();
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
    public synchronized List<Held> compare(List<ServiceKey> keys, List<List<Backend>> wanted) {
        List<Held> held = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            List<Backend> current = services.get(keys.get(i));
            held.add(current == null ? Held.MISSING : current.equals(wanted.get(i)) ? Held.SAME : Held.OTHER);
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
                new Usage(capacity, services.size(), backendsInUse));
    }

    /** Fills a new memory datapath of the target capacity with contents, then takes its place. */
    @Override
    public synchronized void resize(Capacity target, Map<ServiceKey, List<Backend>> contents) {
        target.problem().ifPresent(problem -> {
            throw new DatapathException(Reason.INVALID, "capacity " + target + ": " + problem);
        });
        MemoryDatapath next = new MemoryDatapath(target, null);
        contents.forEach(next::apply);
        capacity = target;
        services.clear();
        services.putAll(next.services);
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
