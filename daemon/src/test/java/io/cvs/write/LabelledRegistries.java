package io.cvs.write;

import io.cvs.address.AddressProperties;
import io.cvs.address.LocalAddresses;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Datapath;
import io.cvs.flows.FlowMetrics;
import io.cvs.journal.Journal;
import io.cvs.ownership.MapOwnership;
import io.cvs.service.HostLabels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/** Registries of hosts with labels, for tests outside this package (the fleet's), as the daemon builds them. */
public final class LabelledRegistries {

    private LabelledRegistries() {
    }

    public static ServiceRegistry open(Datapath datapath, Journal journal, HostLabels host) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new ServiceRegistry(datapath, journal, CapacityPolicy.FIXED, true, Duration.ofSeconds(30),
                new WriteMetrics(meters), new FlowMetrics(meters),
                new AddressChecks(AddressProperties.DEFAULTS, LocalAddresses.none()), new MapOwnership(), false,
                host);
    }
}
