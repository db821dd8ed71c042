package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthMonitor;
import io.cvs.health.HealthProperties;
import io.cvs.health.ProbeTarget;
import io.cvs.health.TargetKey;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.Service;
import io.cvs.service.ServiceTable;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;

/** What the health monitor probes (every backend of every service that has a check), and the monitor wired so. */
public final class ProbeTargets {

    private ProbeTargets() {
    }

    /** A monitor of the registry's services: told their targets by its committer, its verdicts sent back there. */
    public static HealthMonitor monitor(ServiceRegistry registry, HealthProperties properties, MeterRegistry meters) {
        HealthMonitor monitor = new HealthMonitor(properties, (key, up, reason) -> registry.healthChanged(
                key.serviceId(), new BackendKey(key.address(), key.port()), up), meters);
        registry.listenToHealth((durable, down) -> monitor.update(of(durable, down)));
        return monitor;
    }

    /**
     * The targets of the durable table. A target starts in the state the committer holds for it, which for a new
     * backend is its check's initial state (see {@link DownBackends#admit}), so monitor and maps agree from the
     * first probe on. Walks only the services with a check (the table's index of them), so services without one
     * cost nothing here however many there are.
     */
    static List<ProbeTarget> of(ServiceTable durable, DownBackends down) {
        List<ProbeTarget> targets = new ArrayList<>();
        for (Service service : durable.checked()) {
            HealthCheck check = service.content().healthCheck();
            for (Backend b : service.backends()) {
                targets.add(new ProbeTarget(new TargetKey(service.id(), b.address(), b.port()), check,
                        !down.isDown(service.id(), BackendKey.of(b))));
            }
        }
        return targets;
    }
}
