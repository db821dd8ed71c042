package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A service's content, validated: everything but its id and version. Two configs are equal when nothing differs.
 * The health check is null when the service has none: then every backend is in rotation as configured.
 */
public record ServiceConfig(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels,
        HealthCheck healthCheck, OnBackendRemoval onBackendRemoval) {

    public ServiceConfig {
        backends = List.copyOf(backends);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        Objects.requireNonNull(onBackendRemoval, "onBackendRemoval");
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
        return new ServiceConfig(name, key, newBackends, labels, healthCheck, onBackendRemoval);
    }

    public ServiceConfig withHealthCheck(HealthCheck check) {
        return new ServiceConfig(name, key, backends, labels, check, onBackendRemoval);
    }

    public ServiceConfig withOnBackendRemoval(OnBackendRemoval policy) {
        return new ServiceConfig(name, key, backends, labels, healthCheck, policy);
    }
}
