package io.cvs.service;

import io.cvs.datapath.bpf.Backend;
import io.cvs.datapath.bpf.ServiceKey;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** A service's content, validated: everything but its id and version. Two drafts are equal when nothing differs. */
record ServiceDraft(String name, ServiceKey key, List<Backend> backends, SortedMap<String, String> labels) {

    ServiceDraft {
        backends = List.copyOf(backends);
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    ServiceDraft withBackends(List<Backend> newBackends) {
        return new ServiceDraft(name, key, newBackends, labels);
    }
}
