package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.selection.SelectionPolicy;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A service's content, validated: everything but its id and version. Two configs are equal when nothing differs.
 * The health check is null when the service has none: then every backend is in rotation as configured. The
 * selection is how the datapaths choose among the backends (scheduler, Maglev table size, session affinity), with
 * every default already filled in. The hosts are those that forward it ({@link HostSelector#ALL}: every one).
 */
public record ServiceConfig(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels,
        HealthCheck healthCheck, OnBackendRemoval onBackendRemoval, SelectionPolicy selection, HostSelector hosts) {

    public ServiceConfig {
        backends = List.copyOf(backends);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        Objects.requireNonNull(onBackendRemoval, "onBackendRemoval");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(hosts, "hosts");
    }

    /** A service that every host forwards. */
    public ServiceConfig(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels,
            HealthCheck healthCheck, OnBackendRemoval onBackendRemoval, SelectionPolicy selection) {
        this(name, key, backends, labels, healthCheck, onBackendRemoval, selection, HostSelector.ALL);
    }

    /** A service that selects at random, without affinity (the default). */
    public ServiceConfig(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels,
            HealthCheck healthCheck, OnBackendRemoval onBackendRemoval) {
        this(name, key, backends, labels, healthCheck, onBackendRemoval, SelectionPolicy.DEFAULT);
    }

    /** A service that keeps established TCP connections to a backend that leaves it (the default). */
    public ServiceConfig(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels,
            HealthCheck healthCheck) {
        this(name, key, backends, labels, healthCheck, OnBackendRemoval.KEEP);
    }

    /** A service without a health check that keeps established TCP connections (the defaults). */
    public ServiceConfig(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels) {
        this(name, key, backends, labels, null);
    }

    public ServiceConfig withBackends(List<Backend> newBackends) {
        return new ServiceConfig(name, key, newBackends, labels, healthCheck, onBackendRemoval, selection, hosts);
    }

    public ServiceConfig withHealthCheck(HealthCheck check) {
        return new ServiceConfig(name, key, backends, labels, check, onBackendRemoval, selection, hosts);
    }

    public ServiceConfig withOnBackendRemoval(OnBackendRemoval policy) {
        return new ServiceConfig(name, key, backends, labels, healthCheck, policy, selection, hosts);
    }

    public ServiceConfig withSelection(SelectionPolicy policy) {
        return new ServiceConfig(name, key, backends, labels, healthCheck, onBackendRemoval, policy, hosts);
    }

    public ServiceConfig withHosts(HostSelector selector) {
        return new ServiceConfig(name, key, backends, labels, healthCheck, onBackendRemoval, selection, selector);
    }
}
