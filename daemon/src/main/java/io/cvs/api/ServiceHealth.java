package io.cvs.api;

import io.cvs.address.IpAddresses;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.datapath.Backend;
import io.cvs.health.BackendHealth;
import io.cvs.health.TargetKey;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.Service;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The health of a service's backends ({@code ServiceHealth}): the state the maps hold (what decides selection)
 * with the monitor's detail beside it. A service without a check has every backend {@code UNCHECKED}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ServiceHealth(String serviceId, String name, HealthCheckSpec healthCheck, boolean allDown,
        List<BackendState> backends) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BackendState(String address, int port, int weight, String state, boolean inRotation, Instant since,
            Instant lastProbeAt, String lastResult, Integer successesInRow, Integer failuresInRow) {
    }

    static ServiceHealth of(Service service, DownBackends down, Function<TargetKey, Optional<BackendHealth>> probes) {
        List<Backend> effective = down.effective(service);
        boolean checked = service.content().healthCheck() != null;
        List<BackendState> backends = new ArrayList<>();
        for (int i = 0; i < service.backends().size(); i++) {
            Backend b = service.backends().get(i);
            boolean inRotation = effective.get(i).selectable();
            String address = IpAddresses.text(b.address());
            if (!checked) {
                backends.add(new BackendState(address, b.port(), b.weight(), "UNCHECKED", inRotation, null, null,
                        null, null, null));
                continue;
            }
            String state = down.isDown(service.id(), BackendKey.of(b)) ? "DOWN" : "UP";
            Optional<BackendHealth> probed = probes.apply(new TargetKey(service.id(), b.address(), b.port()));
            backends.add(new BackendState(address, b.port(), b.weight(), state, inRotation,
                    probed.map(BackendHealth::since).orElse(null), probed.map(BackendHealth::lastProbeAt).orElse(null),
                    probed.map(BackendHealth::lastResult).orElse(null),
                    probed.map(BackendHealth::successesInRow).orElse(null),
                    probed.map(BackendHealth::failuresInRow).orElse(null)));
        }
        return new ServiceHealth(service.id(), service.name(),
                checked ? HealthCheckSpec.of(service.content().healthCheck()) : null, down.allDown(service),
                backends);
    }
}
