package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedMap;
import org.pcollections.TreePMap;

/**
 * An immutable set of services, by id, by name, by key (VIP, port, protocol), and those with a health check: what
 * readers see, and what a write turns into another. The indexes are persistent maps: the next table shares all but
 * the changed paths with this one, so a write costs O(log n) whatever the size, and this table stays as it is for
 * whoever still reads it (which is why the published table can be handed to readers as it is). Every lookup a write
 * needs (a conflict of name or key, an address that is one service's VIP and another's backend, the room it takes)
 * is an index here, so no write walks every service.
 */
public final class ServiceTable {

    public static final ServiceTable EMPTY = new ServiceTable(HashTreePMap.empty(), TreePMap.empty(),
            HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(),
            HashTreePMap.empty(), 0);

    /** The services an address is held by (as VIP, or as a backend's address), by id. */
    private static final PMap<String, Service> NONE = HashTreePMap.empty();

    private final PMap<String, Service> byId;
    private final PSortedMap<String, Service> byName;
    private final PMap<ServiceKey, Service> byKey;
    private final PMap<String, Service> checked;
    private final PMap<String, Service> maglev;
    private final PMap<InetAddress, PMap<String, Service>> byVip;
    private final PMap<InetAddress, PMap<String, Service>> byBackendAddress;
    private final int backends;

    private ServiceTable(PMap<String, Service> byId, PSortedMap<String, Service> byName,
            PMap<ServiceKey, Service> byKey, PMap<String, Service> checked, PMap<String, Service> maglev,
            PMap<InetAddress, PMap<String, Service>> byVip,
            PMap<InetAddress, PMap<String, Service>> byBackendAddress, int backends) {
        this.byId = byId;
        this.byName = byName;
        this.byKey = byKey;
        this.checked = checked;
        this.maglev = maglev;
        this.byVip = byVip;
        this.byBackendAddress = byBackendAddress;
        this.backends = backends;
    }

    /** A table of these services; refuses two with one id, name or key, which no index could hold. */
    public static ServiceTable of(Collection<Service> services) {
        return EMPTY.with(List.of(), services);
    }

    /** This table with one service replaced, added (before null) or removed (after null). */
    public ServiceTable with(Service before, Service after) {
        return with(before == null ? List.of() : List.of(before), after == null ? List.of() : List.of(after));
    }

    /**
     * This table without removed and then with added: O((removed + added) log n). Removing all first lets a bulk
     * write pass names and keys among its own services. Refuses (changing nothing) a removed service that is not
     * held as given, or an added one whose id, name or key another holds: the caller checked conflicts, and an
     * index that silently dropped one would disagree with the others from then on.
     */
    public ServiceTable with(Collection<Service> removed, Collection<Service> added) {
        PMap<String, Service> id = byId;
        PSortedMap<String, Service> name = byName;
        PMap<ServiceKey, Service> key = byKey;
        PMap<String, Service> check = checked;
        PMap<String, Service> mgl = maglev;
        PMap<InetAddress, PMap<String, Service>> vips = byVip;
        PMap<InetAddress, PMap<String, Service>> members = byBackendAddress;
        int count = backends;
        for (Service s : removed) {
            if (!s.equals(id.get(s.id()))) {
                throw new IllegalArgumentException("not in the table as given: " + s.id());
            }
            id = id.minus(s.id());
            name = name.minus(s.name());
            key = key.minus(s.key());
            check = check.minus(s.id());
            mgl = mgl.minus(s.id());
            vips = without(vips, s.key().vip(), s);
            for (Backend b : s.backends()) {
                members = without(members, b.address(), s);
            }
            count -= s.backends().size();
        }
        for (Service s : added) {
            if (id.containsKey(s.id()) || name.containsKey(s.name()) || key.containsKey(s.key())) {
                throw new IllegalArgumentException("id, name or address already held: " + s.id() + " " + s.name()
                        + " " + s.key());
            }
            id = id.plus(s.id(), s);
            name = name.plus(s.name(), s);
            key = key.plus(s.key(), s);
            if (s.content().healthCheck() != null) {
                check = check.plus(s.id(), s);
            }
            if (s.content().selection().isMaglev()) {
                mgl = mgl.plus(s.id(), s);
            }
            vips = with(vips, s.key().vip(), s);
            for (Backend b : s.backends()) {
                members = with(members, b.address(), s);
            }
            count += s.backends().size();
        }
        return new ServiceTable(id, name, key, check, mgl, vips, members, count);
    }

    private static PMap<InetAddress, PMap<String, Service>> with(PMap<InetAddress, PMap<String, Service>> index,
            InetAddress address, Service s) {
        return index.plus(address, index.getOrDefault(address, NONE).plus(s.id(), s));
    }

    private static PMap<InetAddress, PMap<String, Service>> without(PMap<InetAddress, PMap<String, Service>> index,
            InetAddress address, Service s) {
        PMap<String, Service> holders = index.getOrDefault(address, NONE).minus(s.id());
        return holders.isEmpty() ? index.minus(address) : index.plus(address, holders);
    }

    /** The services whose VIP is the address. */
    public Collection<Service> vipHolders(InetAddress address) {
        return byVip.getOrDefault(address, NONE).values();
    }

    /** A service other than the one of this id whose VIP is the address, or null: O(log n). */
    public Service vipHolder(InetAddress address, String exceptId) {
        return other(byVip.getOrDefault(address, NONE), exceptId);
    }

    /** A service other than the one of this id with a backend of the address, or null: O(log n). */
    public Service backendHolder(InetAddress address, String exceptId) {
        return other(byBackendAddress.getOrDefault(address, NONE), exceptId);
    }

    /** The first of at most two looked at: holders hold the one excepted at most once. */
    private static Service other(PMap<String, Service> holders, String exceptId) {
        for (Service s : holders.values()) {
            if (!s.id().equals(exceptId)) {
                return s;
            }
        }
        return null;
    }

    public Map<String, Service> byId() {
        return byId;
    }

    /** By name, sorted: the listing's order and its pages (a range of this map). */
    public NavigableMap<String, Service> byName() {
        return byName;
    }

    /** By VIP, port and protocol: which service a key is taken by. */
    public Map<ServiceKey, Service> byKey() {
        return byKey;
    }

    /** The services with a health check, by id: what the probe targets come from, without walking the rest. */
    public Collection<Service> checked() {
        return checked.values();
    }

    /** The MAGLEV services, by id: each holds a Maglev region in the maps. */
    public Collection<Service> maglev() {
        return maglev.values();
    }

    /** How many backends all services have together. */
    public int backends() {
        return backends;
    }

    /** Every service, in no particular order. */
    public Collection<Service> services() {
        return byId.values();
    }

    @Override
    public String toString() {
        return "ServiceTable[" + byId.size() + " services, " + backends + " backends]";
    }
}
