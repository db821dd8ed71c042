package io.cvs.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.ServiceConfig;
import io.cvs.write.ServiceRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * cvs.stats.backend-series-max: per-backend series while the services have at most that many backends in all,
 * only the per-service ones above it, with the service's connections still summed over its backends.
 */
class BackendSeriesTest {

    private final MemoryDatapath datapath = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
    private final Journal journal = TestJournals.open("backend-series");
    private final ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    @Test
    void perBackendSeriesUpToTheLimitOnlyPerServiceSeriesAboveIt() {
        registry.create(new ServiceConfig("web", new ServiceKey(ServiceSampleTest.ip("192.0.2.10"), 80, Protocol.TCP),
                List.of(ServiceSampleTest.backend("10.0.0.1"), ServiceSampleTest.backend("10.0.0.2")),
                new TreeMap<>()));

        assertThat(names(new TrafficCollector(registry, datapath, 2))).contains("cvs_backend_connections",
                "cvs_backend_up", "cvs_service_connections", "cvs_service_backends");
        assertThat(names(new TrafficCollector(registry, datapath, 1)))
                .containsExactlyInAnyOrder("cvs_service_connections", "cvs_service_refused", "cvs_service_retried",
                        "cvs_service_backends");
    }

    private static List<String> names(TrafficCollector collector) {
        return collector.collect().stream().map(MetricSnapshot::getMetadata).map(m -> m.getName()).toList();
    }
}
