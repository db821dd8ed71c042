package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Flows;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A datapath whose apply fails once, after the given number of further applies succeeded; then works again. */
final class DatapathFailingOnce implements Datapath {
    private final Datapath delegate;
    private int appliesBeforeFailure = Integer.MAX_VALUE;

    DatapathFailingOnce(Datapath delegate) {
        this.delegate = delegate;
    }

    void failAfter(int applies) {
        appliesBeforeFailure = applies;
    }

    @Override
    public void apply(ServiceKey key, List<Backend> backends) {
        if (appliesBeforeFailure-- == 0) {
            appliesBeforeFailure = Integer.MAX_VALUE;
            throw new DatapathException(DatapathException.Reason.FAILED, "injected failure");
        }
        delegate.apply(key, backends);
    }

    @Override
    public Flows.Support flowSupport() {
        return delegate.flowSupport();
    }

    @Override
    public List<Flows.Ended> sweepFlows(Set<ServiceKey> resetTcp) {
        return delegate.sweepFlows(resetTcp);
    }

    @Override
    public boolean remove(ServiceKey key) {
        return delegate.remove(key);
    }

    @Override
    public List<ServiceKey> services() {
        return delegate.services();
    }

    @Override
    public Optional<List<Backend>> backends(ServiceKey key) {
        return delegate.backends(key);
    }

    @Override
    public Optional<ServiceCounters> counters(ServiceKey key) {
        return delegate.counters(key);
    }

    @Override
    public void resync() {
        delegate.resync();
    }

    @Override
    public boolean consistent(ServiceKey key) {
        return delegate.consistent(key);
    }

    @Override
    public DatapathStatus status() {
        return delegate.status();
    }

    @Override
    public void resize(Capacity target, Map<ServiceKey, List<Backend>> contents) {
        delegate.resize(target, contents);
    }
}
