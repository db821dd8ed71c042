package io.cvs.datapath;

import io.cvs.ownership.MapOwner;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The port between the daemon's desired state and what forwards connections. Each call is one service change,
 * seen atomically by the datapath; a call that throws {@link DatapathException} changed nothing.
 *
 * <p>The service registry applies and removes services and, at start, lists what the datapath holds to fix only
 * the difference (nothing is flushed on restart). Implementations are safe to share between threads.
 */
public interface Datapath {

    /**
     * Creates or replaces the service with exactly these backends, in this order. Refused with
     * {@link DatapathException.Reason#TOO_MANY_BACKENDS} beyond the backends one service may have,
     * {@link DatapathException.Reason#CAPACITY_EXHAUSTED} when no service id or not enough backend ids are free
     * (a new backend needs a free id even when the set drops others), and
     * {@link DatapathException.Reason#INVALID} for an address or port 0, a weight outside 0..65535, or a backend
     * listed twice.
     */
    void apply(ServiceKey key, List<Backend> backends, SelectionPolicy policy);

    /** {@link #apply(ServiceKey, List, SelectionPolicy)} with the default policy: RANDOM, no affinity. */
    default void apply(ServiceKey key, List<Backend> backends) {
        apply(key, backends, SelectionPolicy.DEFAULT);
    }

    /** The service's selection policy as the datapath holds it now; empty when there is no such service. */
    Optional<SelectionPolicy> policy(ServiceKey key);

    /**
     * The backend the datapath would give client now for a new connection to the service, as the datapaths choose
     * (affinity, Maglev, or one random sample), reading but never storing an affinity entry. Refused with
     * {@link DatapathException.Reason#NO_USABLE_BACKEND} when no backend can take a connection; empty when there
     * is no such service.
     */
    Optional<PickedBackend> pick(ServiceKey key, ClientFlow client);

    /**
     * The network namespace cookie of a namespace, of a process below the socket-LB's cgroup, that has address on
     * one of its interfaces: how the socket-LB keys that client. Empty when none has it (the client is a routed
     * one, as cvs.ko sees it) or the datapath has no namespaces.
     */
    OptionalLong clientNetns(InetAddress address);

    /** The session affinity entries the datapath holds now. */
    AffinityUsage affinityUsage();

    /** Removes the service; false when there was none. */
    boolean remove(ServiceKey key);

    /** The keys of all services the datapath holds now. */
    List<ServiceKey> services();

    /** The service's backends as the datapath holds them now, in configured order; empty when there is none. */
    Optional<List<Backend>> backends(ServiceKey key);

    /** The service's counters summed over CPUs; empty when there is no such service. */
    Optional<ServiceCounters> counters(ServiceKey key);

    /**
     * Rebuilds what the datapath remembers of its own writes from what it holds now, for when something else
     * changed it (an entry deleted or altered by hand); the reconciler calls it before comparing.
     */
    void resync();

    /**
     * Puts back what the chosen forwarders need and something outside the daemon removed: the map set's pins (and
     * the pin root), the socket-LB's links on the cgroup, cvs.ko's binding to this map set. The reconciler calls
     * it first, in order with the writes. Returns what it repaired (nothing when all was in place); throws
     * {@link DatapathException} when something could not be put back, after logging what. A datapath without
     * pins or forwarders (memory) has nothing to repair.
     */
    default List<Repair> repair() {
        return List.of();
    }

    /**
     * A cheap look at whether the maps, pins and forwarders are still what the daemon made them ({@link Drift}),
     * for a check every few seconds; empty for a datapath nothing else can change (memory).
     */
    default Optional<Drift> drift() {
        return Optional.empty();
    }

    /** Where the maps are pinned, for watching; empty for a datapath without pins (memory). */
    default Optional<Path> pinRoot() {
        return Optional.empty();
    }

    /**
     * Whether the service's entries agree with each other (its selection table with its backends' weights, every
     * referenced backend present); false too when there is no such service.
     */
    boolean consistent(ServiceKey key);

    /** What the datapath holds for a service, against the backends it should hold ({@link #compare}). */
    enum Held {
        /** exactly those backends, in that order, with those weights, that policy, and consistent */
        SAME,
        /** other backends, weights, order or policy (consistent or not: writing it repairs both) */
        OTHER,
        /** those backends, but its entries disagree with each other ({@link #consistent}), or its Maglev table
         *  is not the one its backends and table size give */
        INCONSISTENT,
        /** no such service */
        MISSING
    }

    /**
     * For each key, with the backends it should hold at the same index of wanted, what the datapath holds: the
     * reconciler's question for every service, asked at once. Equivalent to {@link #backends} compared with the
     * wanted list, then {@link #consistent}; the BPF datapath answers thousands of services per libcvsbpf call.
     */
    default List<Held> compare(List<ServiceKey> keys, List<List<Backend>> wanted, List<SelectionPolicy> policies) {
        List<Held> held = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            Optional<List<Backend>> current = backends(keys.get(i));
            held.add(current.isEmpty() ? Held.MISSING : !current.get().equals(wanted.get(i))
                    || !policy(keys.get(i)).equals(Optional.of(policies.get(i))) ? Held.OTHER
                    : consistent(keys.get(i)) ? Held.SAME : Held.INCONSISTENT);
        }
        return held;
    }

    /** {@link #compare(List, List, List)} against the default policy for every service. */
    default List<Held> compare(List<ServiceKey> keys, List<List<Backend>> wanted) {
        return compare(keys, wanted, Collections.nCopies(keys.size(), SelectionPolicy.DEFAULT));
    }

    /**
     * The counters of every service the datapath holds, summed over CPUs, as one read: what a scrape and the rate
     * sampler need of all services at once. The BPF datapath reads them in one libcvsbpf call.
     */
    default Map<ServiceKey, ServiceCounters> allCounters() {
        Map<ServiceKey, ServiceCounters> all = new HashMap<>();
        for (ServiceKey key : services()) {
            counters(key).ifPresent(c -> all.put(key, c));
        }
        return all;
    }

    /** How flows to a backend that is gone can be ended on this host; cheap (no privilege, no walk). */
    Flows.Support flowSupport();

    /**
     * Ends the stale flows ({@link Flows}) on every forwarder that can: connected UDP always, TCP only of the
     * services in resetTcp. Returns what was ended, per service and backend, summed over the forwarders; nothing
     * when the host can end nothing. Idempotent and decided from what the datapath holds, so it is safe after any
     * write and after a restart. Slow (it walks sockets and conntrack entries): not for a thread that writes.
     */
    List<Flows.Ended> sweepFlows(Set<ServiceKey> resetTcp);

    /**
     * The maps' owner record ({@link MapOwner}); empty when they hold none (made by a version without it, or never
     * written). A datapath that keeps nothing across restarts holds none until one is written.
     */
    default Optional<MapOwner> owner() {
        return Optional.empty();
    }

    /**
     * Writes the owner record (one map update): the committer calls it once per batch of writes applied and on
     * every reconcile. A datapath that keeps nothing across restarts may ignore it.
     */
    default void recordOwner(MapOwner owner) {
    }

    /** Which datapath this is, where its programs are attached and how full it is. */
    DatapathStatus status();

    /** How full it is: ids in use against the capacity. Cheaper than {@link #status()}; called before writes. */
    default Usage usage() {
        return status().usage();
    }

    /**
     * Moves to maps of another capacity holding exactly contents (every service with its backends), without
     * interrupting forwarding: the new maps are built and filled beside the current ones, every reader switches
     * to them at once, carrying each service's and each kept backend's counters, and only then are the old ones
     * removed. Each service gets its policy from policies (absent: the default). When it throws, the current maps
     * still serve, unchanged. Refused with
     * {@link DatapathException.Reason#INVALID} for a capacity no map set can have, and with
     * {@link DatapathException.Reason#CAPACITY_EXHAUSTED} or {@link DatapathException.Reason#TOO_MANY_BACKENDS}
     * when contents do not fit into it.
     */
    void resize(Capacity target, Map<ServiceKey, List<Backend>> contents, Map<ServiceKey, SelectionPolicy> policies);

    /** {@link #resize(Capacity, Map, Map)} with the default policy for every service. */
    default void resize(Capacity target, Map<ServiceKey, List<Backend>> contents) {
        resize(target, contents, Map.of());
    }

    /**
     * What a cheap look at the maps found changed behind the daemon's back (libcvsbpf's cvs_maps_drift): service
     * entries missing, foreign or with another generation word than the daemon stored, map pins gone or replaced, and
     * chosen forwarders that no longer read the maps. Backend records, tables and policies are not compared: the
     * periodic reconcile does that. The held counts are what the maps hold now, whatever the daemon wrote.
     *
     * @param servicesHeld     service entries the maps hold
     * @param servicesWritten  services the daemon wrote and has not removed
     * @param missing          services the daemon wrote whose entry is gone (deleted with bpftool, say)
     * @param foreign          entries the daemon did not write
     * @param differing        entries whose generation word is not the one the daemon stored
     * @param backendsHeld     backends of the services held
     * @param maglevTablesHeld held services that are MAGLEV
     * @param pinsMissing      map pins gone from the pin root (all of them when the root was removed)
     * @param pinsForeign      map pins that hold another map than the daemon's
     * @param detached         chosen forwarders that do not read these maps now
     */
    record Drift(int servicesHeld, int servicesWritten, int missing, int foreign, int differing,
            int backendsHeld, int maglevTablesHeld, int pinsMissing, int pinsForeign, List<Forwarder> detached) {

        public Drift {
            detached = List.copyOf(detached);
        }

        /** Whether anything differs from what the daemon made: a reconcile repairs it. */
        public boolean any() {
            return missing + foreign + differing + pinsMissing + pinsForeign > 0 || !detached.isEmpty();
        }

        /** What differs, for a log line; empty when nothing does. */
        public String describe() {
            List<String> parts = new ArrayList<>();
            count(parts, missing, "service entries missing");
            count(parts, foreign, "foreign service entries");
            count(parts, differing, "service entries with another generation");
            count(parts, pinsMissing, "map pins missing");
            count(parts, pinsForeign, "map pins holding another map");
            detached.forEach(f -> parts.add(f.label() + " not reading the maps"));
            return String.join(", ", parts);
        }

        /** The usage the maps hold now, against max. */
        public Usage heldUsage(Capacity max) {
            return new Usage(max, servicesHeld, backendsHeld, maglevTablesHeld);
        }

        private static void count(List<String> parts, int n, String what) {
            if (n > 0) {
                parts.add(n + " " + what);
            }
        }
    }

    /**
     * One thing a reconcile put back because it was gone from the host, not from the desired state: map pins, the
     * socket-LB's links on the cgroup, or cvs.ko's binding to this map set.
     *
     * @param part what was repaired
     * @param what what was missing and what was re-created, for the log
     */
    record Repair(Part part, String what) {

        /** The parts of a datapath a reconcile can find detached or unpinned. */
        public enum Part {
            /** the map set's pins (or the whole pin root), pinned again from the maps the daemon holds */
            PINS,
            /** the socket-LB programs' links on the cgroup */
            SOCKET_LB,
            /** cvs.ko's binding to this map set */
            MODULE;

            /** As the metric's tag spells it: {@code pins}, {@code socket-lb}, {@code module}. */
            public String label() {
                return name().toLowerCase(Locale.ROOT).replace('_', '-');
            }
        }
    }
}
