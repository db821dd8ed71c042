package io.cvs.datapath.host;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Forwarder;
import io.cvs.ownership.MapOwnership;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code datapath} component of {@code /actuator/health}: its mode, whether it forwards, and why it fell back
 * to memory, if it did. Down when the maps cannot be read (the base class reports the exception) or when a
 * forwarder chosen with {@code cvs.bpf.datapaths} does not read the maps: the socket-LB programs no longer all
 * attached (detached by hand, or their cgroup removed), or cvs.ko unloaded or serving another map set. A memory datapath is up: the API works as configured; the details say that nothing
 * is forwarded.
 */
@Component
class DatapathHealthIndicator extends AbstractHealthIndicator {

    private final Datapath datapath;
    private final ObjectProvider<MapOwnership> ownership;

    DatapathHealthIndicator(Datapath datapath, ObjectProvider<MapOwnership> ownership) {
        super("Datapath health check failed");
        this.datapath = datapath;
        this.ownership = ownership;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        DatapathStatus status = datapath.status();
        boolean bpf = status.mode() == DatapathMode.BPF;
        boolean forwarding = bpf && status.forwardingAsChosen();
        if (bpf && !forwarding) {
            health.down();
        } else {
            health.up();
        }
        health.withDetail("mode", status.mode().label()).withDetail("forwarding", forwarding);
        status.fallbackReason().ifPresent(reason -> health.withDetail("reason", reason));
        MapOwnership owner = ownership.getIfAvailable();
        if (owner != null) {
            // Up: the maps forward, with the union of both states; the detail says what waits for the operator.
            owner.mismatch().ifPresent(m -> health.withDetail("journalMismatch", m.describe()));
        }
        if (bpf) {
            health.withDetail("chosen", status.chosen().stream().sorted().map(Forwarder::label).toList())
                    .withDetail("active", status.active().stream().map(Forwarder::label).toList())
                    .withDetail("socketLbPrograms", status.socketLb().attached());
        }
    }
}
