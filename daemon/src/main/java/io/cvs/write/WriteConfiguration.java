package io.cvs.write;

import io.cvs.address.AddressProperties;
import io.cvs.address.LocalAddresses;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathMode;
import io.cvs.flows.FlowMetrics;
import io.cvs.health.HealthMonitor;
import io.cvs.health.HealthProperties;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalProperties;
import io.cvs.ownership.MapOwnership;
import io.cvs.reconcile.ReconcileProperties;
import io.cvs.service.HostLabels;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The desired state, restored from the journal before anything is served, and the health checks that watch it.
 */
@Configuration(proxyBeanMethods = false)
class WriteConfiguration {

    /** Whether the maps' owner record matches the journal: the registry reports, the API and health read. */
    @Bean
    MapOwnership mapOwnership() {
        return new MapOwnership();
    }

    @Bean
    ServiceRegistry serviceRegistry(Datapath datapath, Journal journal, CapacityPolicy capacityPolicy,
            JournalProperties journalProperties, ReconcileProperties reconcile, MeterRegistry meters,
            MapOwnership ownership, AddressProperties addresses, LocalAddresses localAddresses,
            ObjectProvider<HostLabels> hostLabels) {
        return new ServiceRegistry(datapath, journal, capacityPolicy, journalProperties.groupCommit(),
                reconcile.interval(), new WriteMetrics(meters), new FlowMetrics(meters),
                new AddressChecks(addresses, localAddresses), ownership, reconcile.pruneOnJournalMismatch(),
                hostLabels.getIfAvailable(() -> HostLabels.NONE));
    }

    /**
     * This host's interfaces, read each time a write brings a new VIP and at each periodic check; none on the
     * memory datapath, which forwards nothing, so that no VIP takes a local address over there.
     */
    @Bean
    LocalAddresses localAddresses(Datapath datapath) {
        return datapath.status().mode() == DatapathMode.MEMORY ? LocalAddresses.none() : LocalAddresses.ofInterfaces();
    }

    /** Warns of VIPs that became local after they were accepted; the {@code localVips} health component. */
    @Bean
    LocalVipCheck localVips(ServiceRegistry registry, LocalAddresses localAddresses, AddressProperties addresses) {
        return new LocalVipCheck(registry, localAddresses, addresses.localVipCheckInterval());
    }

    /**
     * Probes the backends of every service with a check. Its verdicts go to the registry's committer, which
     * changes the maps; the committer tells it the targets after every configuration change. Closed before the
     * registry (it depends on it), so no verdict arrives at a stopped committer.
     */
    @Bean
    HealthMonitor healthMonitor(HealthProperties properties, ServiceRegistry registry, MeterRegistry meters) {
        return ProbeTargets.monitor(registry, properties, meters);
    }
}
