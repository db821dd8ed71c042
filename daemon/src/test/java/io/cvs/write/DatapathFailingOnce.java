package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Flows;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.util.OptionalLong;
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
    public void apply(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        if (appliesBeforeFailure-- == 0) {
            appliesBeforeFailure = Integer.MAX_VALUE;
            throw new DatapathException(DatapathException.Reason.FAILED, "injected failure");
        }
        delegate.apply(key, backends, policy);
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
    public void resize(Capacity target, Map<ServiceKey, List<Backend>> contents,
            Map<ServiceKey, SelectionPolicy> policies) {
        delegate.resize(target, contents, policies);
    }

    @Override
    public Optional<SelectionPolicy> policy(ServiceKey key) {
        return delegate.policy(key);
    }

    @Override
    public Optional<PickedBackend> pick(ServiceKey key, ClientFlow client) {
        return delegate.pick(key, client);
    }

    @Override
    public OptionalLong clientNetns(InetAddress address) {
        return delegate.clientNetns(address);
    }

    @Override
    public AffinityUsage affinityUsage() {
        return delegate.affinityUsage();
    }
}
