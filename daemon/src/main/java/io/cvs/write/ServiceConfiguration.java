package io.cvs.write;

import io.cvs.datapath.Datapath;
import io.cvs.health.HealthMonitor;
import io.cvs.health.HealthProperties;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalProperties;
import io.cvs.reconcile.ReconcileProperties;
import io.cvs.traffic.StatsProperties;
import io.cvs.traffic.TrafficCollector;
import io.cvs.traffic.TrafficRates;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The desired state, restored from the journal before anything is served, the health checks that watch it, and
 * what reports on its traffic.
 */
@Configuration(proxyBeanMethods = false)
class ServiceConfiguration {

    @Bean
    ServiceRegistry serviceRegistry(Datapath datapath, Journal journal, JournalProperties journalProperties,
            ReconcileProperties reconcile, MeterRegistry meters) {
        return new ServiceRegistry(datapath, journal, journalProperties.groupCommit(), reconcile.interval(),
                new WriteMetrics(meters));
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

    /**
     * The per-service and per-backend series, on the Prometheus registry that the actuator endpoint scrapes (the
     * one Micrometer's Prometheus registry writes to).
     */
    @Bean
    TrafficCollector trafficCollector(ServiceRegistry registry, Datapath datapath,
            ObjectProvider<PrometheusRegistry> prometheus) {
        TrafficCollector collector = new TrafficCollector(registry, datapath);
        prometheus.ifAvailable(p -> p.register(collector));
        return collector;
    }

    @Bean
    TrafficRates trafficRates(ServiceRegistry registry, Datapath datapath, StatsProperties stats) {
        return new TrafficRates(registry, datapath, Clock.systemUTC(), stats.rateInterval());
    }
}
