package io.cvs.service;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * This host's labels ({@code cvs.fleet.host-labels}), which decide what it forwards of the services that name
 * their hosts ({@link HostSelector}), in fleet mode and in single-host mode alike.
 */
public record HostLabels(SortedMap<String, String> labels) {

    /** A host without labels: it forwards only the services that select every host. */
    public static final HostLabels NONE = new HostLabels(new TreeMap<>());

    public HostLabels {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    public static HostLabels of(Map<String, String> labels) {
        return labels == null ? NONE : new HostLabels(new TreeMap<>(labels));
    }

    /** Whether this host forwards the service. */
    public boolean forwards(Service service) {
        return service.content().hosts().selects(this);
    }
}
