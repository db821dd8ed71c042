package io.cvs.fleet;

import io.cvs.datapath.Datapath;
import io.cvs.fleet.store.EtcdFleetStore;
import io.cvs.fleet.store.EtcdSettings;
import io.cvs.fleet.store.FleetStore;
import io.cvs.service.HostLabels;
import io.cvs.write.ServiceRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * This host's labels and {@code GET /api/v1/fleet} in both modes; in fleet mode (see {@link FleetMode}) also the
 * store, the writer that turns API writes into store transactions, the convergence, the read headers, the
 * {@code fleet} health component and the fleet's meters.
 */
@Configuration(proxyBeanMethods = false)
class FleetConfiguration {

    @Bean
    HostLabels hostLabels(FleetProperties properties) {
        return HostLabels.of(properties.hostLabels());
    }

    @Bean
    FleetOverview fleetOverview(FleetProperties properties, ServiceRegistry registry, Datapath datapath,
            ObjectProvider<FleetStore> store, ObjectProvider<FleetStatus> status,
            ObjectProvider<AppliedRevisions> applied) {
        return new FleetOverview(properties.effectiveHostId(), properties.hostLabels(), ready(registry),
                datapathMode(datapath), Clock.systemUTC(), store.getIfAvailable(), properties.etcd().endpoints(),
                status.getIfAvailable(), applied.getIfAvailable());
    }

    /** Ready: the first reconcile after start made the maps equal the restored state. */
    static BooleanSupplier ready(ServiceRegistry registry) {
        return () -> registry.firstReconcile().isDone() && !registry.firstReconcile().isCompletedExceptionally();
    }

    static Supplier<String> datapathMode(Datapath datapath) {
        return () -> datapath.status().mode().label();
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(FleetMode.class)
    static class FleetModeConfiguration {

        /** The etcd client; closed after everything that uses it. */
        @Bean(destroyMethod = "close")
        FleetStore fleetStore(FleetProperties properties) {
            FleetProperties.Etcd etcd = properties.etcd();
            String password = etcd.resolvedPassword();
            boolean auth = !etcd.user().isEmpty();
            return new EtcdFleetStore(new EtcdSettings(etcd.endpoints(), properties.prefix(),
                    auth ? etcd.user() : null, auth ? password : null, etcd.tls().caFile(), etcd.tls().certFile(),
                    etcd.tls().keyFile(), properties.requestTimeout(), properties.requestTimeout(),
                    etcd.maxTxnOps()));
        }

        @Bean
        FleetStatus fleetStatus() {
            return new FleetStatus();
        }

        @Bean
        AppliedRevisions appliedRevisions() {
            return new AppliedRevisions();
        }

        @Bean
        FleetCodec fleetCodec() {
            return new FleetCodec();
        }

        @Bean
        FleetMetrics fleetMetrics(MeterRegistry meters, AppliedRevisions applied, FleetStatus status) {
            return new FleetMetrics(meters, applied::applied,
                    () -> Math.max(0, status.storeRevision() - applied.applied()));
        }

        @Bean(initMethod = "start", destroyMethod = "close")
        FleetSync fleetSync(FleetStore store, ServiceRegistry registry, FleetCodec codec, FleetStatus status,
                AppliedRevisions applied, FleetMetrics metrics, FleetProperties properties, Datapath datapath) {
            return new FleetSync(store, registry, codec, status, applied, metrics, new HostReporter.Identity(
                    properties.effectiveHostId(), properties.hostLabels(), ready(registry), datapathMode(datapath),
                    properties.reportInterval(), properties.reportTtl()), Clock.systemUTC());
        }

        /** The API's writes go to the store; the registry only follows it. */
        @Bean
        @Primary
        FleetWriter fleetWriter(FleetStore store, ServiceRegistry registry, FleetCodec codec,
                AppliedRevisions applied, FleetProperties properties, FleetSync sync) {
            return new FleetWriter(store, registry, codec, applied, properties.applyWait(), properties.retryAfter(),
                    properties.bulkConcurrency(), Clock.systemUTC());
        }

        @Bean
        FleetHeaders fleetHeaders(AppliedRevisions applied, FleetStatus status) {
            return new FleetHeaders(applied, status);
        }

        /** The {@code fleet} health component (the bean's name without "HealthIndicator"). */
        @Bean
        FleetHealthIndicator fleetHealthIndicator(FleetStatus status, AppliedRevisions applied) {
            return new FleetHealthIndicator(status, applied);
        }
    }
}
