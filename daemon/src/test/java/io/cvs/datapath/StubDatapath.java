package io.cvs.datapath;

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

/** A test double of {@link Datapath} that reports the status it is given, or throws what it is given. */
public final class StubDatapath implements Datapath {

    private volatile DatapathStatus status;
    private volatile RuntimeException failure;

    public void reports(DatapathStatus status) {
        this.status = status;
        this.failure = null;
    }

    public void fails(RuntimeException failure) {
        this.failure = failure;
    }

    @Override
    public Flows.Support flowSupport() {
        return Flows.Support.NONE;
    }

    @Override
    public List<Flows.Ended> sweepFlows(Set<ServiceKey> resetTcp) {
        return List.of();
    }

    @Override
    public DatapathStatus status() {
        if (failure != null) {
            throw failure;
        }
        return status;
    }

    @Override
    public void apply(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public boolean remove(ServiceKey key) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public List<ServiceKey> services() {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public Optional<List<Backend>> backends(ServiceKey key) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public Optional<ServiceCounters> counters(ServiceKey key) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public void resync() {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public boolean consistent(ServiceKey key) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public void resize(Capacity target, Map<ServiceKey, List<Backend>> contents,
            Map<ServiceKey, SelectionPolicy> policies) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public Optional<SelectionPolicy> policy(ServiceKey key) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public Optional<PickedBackend> pick(ServiceKey key, ClientFlow client) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public OptionalLong clientNetns(InetAddress address) {
        throw new UnsupportedOperationException("not stubbed");
    }

    @Override
    public AffinityUsage affinityUsage() {
        throw new UnsupportedOperationException("not stubbed");
    }
}
