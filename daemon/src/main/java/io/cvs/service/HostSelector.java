package io.cvs.service;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which hosts forward a service ({@code "hosts": {"matchLabels": {...}}}): those whose labels include every one of
 * matchLabels. {@link #ALL} (no labels to match) selects every host, which is what a service without the field gets.
 */
public record HostSelector(SortedMap<String, String> matchLabels) {

    public static final HostSelector ALL = new HostSelector(new TreeMap<>());

    public HostSelector {
        matchLabels = Collections.unmodifiableSortedMap(new TreeMap<>(matchLabels));
    }

    public static HostSelector matching(Map<String, String> labels) {
        return labels == null || labels.isEmpty() ? ALL : new HostSelector(new TreeMap<>(labels));
    }

    public boolean isAll() {
        return matchLabels.isEmpty();
    }

    /** True when a host with these labels forwards the service. */
    public boolean selects(HostLabels host) {
        return matchLabels.entrySet().stream()
                .allMatch(label -> label.getValue().equals(host.labels().get(label.getKey())));
    }
}
