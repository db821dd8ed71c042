package io.cvs.service;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** An immutable set of services, by id and by name: what readers see, and what a write turns into another. */
record ServiceTable(Map<String, Service> byId, NavigableMap<String, Service> byName) {

    static final ServiceTable EMPTY = of(java.util.List.of());

    static ServiceTable of(Collection<Service> services) {
        Map<String, Service> byId = new HashMap<>();
        NavigableMap<String, Service> byName = new TreeMap<>();
        services.forEach(s -> {
            byId.put(s.id(), s);
            byName.put(s.name(), s);
        });
        return new ServiceTable(Map.copyOf(byId), Collections.unmodifiableNavigableMap(byName));
    }

    Collection<Service> services() {
        return byId.values();
    }

    int backends() {
        return byId.values().stream().mapToInt(s -> s.backends().size()).sum();
    }
}
