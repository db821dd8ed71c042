package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A service's content, validated: everything but its id and version. Two drafts are equal when nothing differs.
 * The health check is null when the service has none: then every backend is in rotation as configured.
 */
record ServiceDraft(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels,
        HealthCheck healthCheck) {

    ServiceDraft {
        backends = List.copyOf(backends);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** A service without a health check. */
    ServiceDraft(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels) {
        this(name, key, backends, labels, null);
    }

    ServiceDraft withBackends(List<Backend> newBackends) {
        return new ServiceDraft(name, key, newBackends, labels, healthCheck);
    }

    ServiceDraft withHealthCheck(HealthCheck check) {
        return new ServiceDraft(name, key, backends, labels, check);
    }
}
