package io.cvs.service;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * An immutable set of services, by id and by name: what readers see, and what a write turns into another. It
 * counts their backends once, so checking room for a write does not walk every service.
 */
public record ServiceTable(Map<String, Service> byId, NavigableMap<String, Service> byName, int backends) {

    public static ServiceTable of(Collection<Service> services) {
        Map<String, Service> byId = new HashMap<>();
        NavigableMap<String, Service> byName = new TreeMap<>();
        services.forEach(s -> {
            byId.put(s.id(), s);
            byName.put(s.name(), s);
        });
        return new ServiceTable(Collections.unmodifiableMap(byId), Collections.unmodifiableNavigableMap(byName),
                services.stream().mapToInt(s -> s.backends().size()).sum());
    }

    /** This table with one service replaced, added (before null) or removed (after null). */
    public ServiceTable with(Service before, Service after) {
        Map<String, Service> byId = new HashMap<>(this.byId);
        NavigableMap<String, Service> byName = new TreeMap<>(this.byName);
        int count = backends;
        if (before != null) {
            byId.remove(before.id());
            byName.remove(before.name());
            count -= before.backends().size();
        }
        if (after != null) {
            byId.put(after.id(), after);
            byName.put(after.name(), after);
            count += after.backends().size();
        }
        return new ServiceTable(Collections.unmodifiableMap(byId), Collections.unmodifiableNavigableMap(byName),
                count);
    }

    public Collection<Service> services() {
        return byId.values();
    }
}
