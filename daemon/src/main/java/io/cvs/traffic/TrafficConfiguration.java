package io.cvs.traffic;

import io.cvs.datapath.Datapath;
import io.cvs.service.ServiceDirectory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What reports on the services' traffic: the Prometheus series and the recent rates of {@code …/stats}. */
@Configuration(proxyBeanMethods = false)
class TrafficConfiguration {

    /**
     * The per-service and per-backend series, on the Prometheus registry that the actuator endpoint scrapes (the
     * one Micrometer's Prometheus registry writes to).
     */
    @Bean
    TrafficCollector trafficCollector(ServiceDirectory services, Datapath datapath,
            ObjectProvider<PrometheusRegistry> prometheus, StatsProperties stats) {
        TrafficCollector collector = new TrafficCollector(services, datapath, stats.backendSeriesMax());
        prometheus.ifAvailable(p -> p.register(collector));
        return collector;
    }

    @Bean
    TrafficRates trafficRates(ServiceDirectory services, Datapath datapath, StatsProperties stats) {
        return new TrafficRates(services, datapath, Clock.systemUTC(), stats.rateInterval());
    }
}
