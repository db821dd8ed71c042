package io.cvs.traffic;

import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.Service;
import io.cvs.service.ServiceDirectory;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-service and per-backend series of {@code /actuator/prometheus}, built at each scrape by one walk over the
 * published services with one counter read per service (80,000 backends as 80,000 Micrometer meters would cost
 * their memory and one map read each), and label sets made once per published table ({@link TrafficLabels}).
 * Registered on the Prometheus registry that Micrometer's registry writes to and that the actuator endpoint scrapes. The series are bounded by configuration, never by clients: labels
 * {@code service} (its name), {@code vip} ({@code 192.0.2.10:80/TCP}) and {@code backend} ({@code 10.0.0.1:8080}).
 *
 * <p>What each datapath counts (cvs_abi.h, struct cvs_backend_stats), and so what is reported:
 * <ul>
 * <li>socket-LB programs: a connection per {@code connect()} to a VIP (TCP, and connected UDP sockets), a packet per
 * UDP datagram translated at {@code sendmsg()}; no bytes. Packets are reported for UDP services only.</li>
 * <li>cvs.ko: a connection, a packet and its bytes per first packet of each new connection (conntrack NATs the
 * rest). Packets and bytes are reported for every service when it is chosen.</li>
 * <li>memory: nothing is forwarded, so connection counters stay 0 and packets and bytes are not reported.</li>
 * </ul>
 * Refused and retried selections are counted per service by both forwarders. A backend counts from 0 when it joins
 * its service; the service's connections are the sum over its current backends, so removing one lowers it (a
 * counter reset to Prometheus). Counters of a service or backend the datapath does not hold are left out.
 */
final class TrafficCollector implements MultiCollector {

    private static final Logger log = LoggerFactory.getLogger(TrafficCollector.class);

    private static final String BACKEND_CONNECTIONS = "cvs_backend_connections";
    private static final String BACKEND_PACKETS = "cvs_backend_packets";
    private static final String BACKEND_BYTES = "cvs_backend_bytes";
    private static final String BACKEND_WEIGHT = "cvs_backend_weight";
    private static final String BACKEND_UP = "cvs_backend_up";
    private static final String SERVICE_CONNECTIONS = "cvs_service_connections";
    private static final String SERVICE_REFUSED = "cvs_service_refused";
    private static final String SERVICE_RETRIED = "cvs_service_retried";
    private static final String SERVICE_BACKENDS = "cvs_service_backends";

    private final ServiceDirectory directory;
    private final Datapath datapath;
    private final int backendSeriesMax;
    private volatile TrafficLabels labels;
    private volatile boolean toldBackendSeriesOff;

    public TrafficCollector(ServiceDirectory directory, Datapath datapath) {
        this(directory, datapath, StatsProperties.BACKEND_SERIES_MAX);
    }

    /** backendSeriesMax: cvs.stats.backend-series-max, above which only the per-service series are reported. */
    public TrafficCollector(ServiceDirectory directory, Datapath datapath, int backendSeriesMax) {
        this.directory = directory;
        this.datapath = datapath;
        this.backendSeriesMax = backendSeriesMax;
    }

    @Override
    public MetricSnapshots collect() {
        DatapathStatus status = datapath.status();
        DownBackends down = directory.down();
        TrafficLabels labels = labelsOf(directory.byName());
        Service[] services = labels.services;
        AlignedCounters[] counters = read(services);
        Families f = new Families();
        boolean bytes = status.countsBytes();
        long[] connections = new long[services.length];
        boolean perBackend = labels.perBackend;
        if (!perBackend) {
            sumConnections(services, counters, connections);
            if (!toldBackendSeriesOff) {
                toldBackendSeriesOff = true;
                log.warn("Prometheus scrape: the services have more backends than cvs.stats.backend-series-max ({}); "
                        + "only the per-service series are reported", backendSeriesMax);
            }
        }
        for (int i = 0; i < labels.backendLabels.length; i++) {
            int s = labels.serviceIndex[i];
            int b = labels.backendIndex[i];
            Service service = services[s];
            Backend backend = service.backends().get(b);
            BackendCounters c = counters[s].backend(b);
            if (c != null) {
                connections[s] += c.connections();
            }
            Labels backendLabels = labels.backendLabels[i];
            f.weight.add(new GaugeDataPointSnapshot(backend.weight(), backendLabels, null));
            boolean up = !down.isDown(service.id(), BackendKey.of(backend));
            f.up.add(new GaugeDataPointSnapshot(up ? 1 : 0, backendLabels, null));
            if (c == null) {
                continue;
            }
            f.connections.add(counter(c.connections(), backendLabels));
            if (status.countsPackets(service.key().protocol())) {
                f.packets.add(counter(c.packets(), backendLabels));
            }
            if (bytes) {
                f.bytes.add(counter(c.bytes(), backendLabels));
            }
        }
        for (int s = 0; s < services.length; s++) {
            Labels serviceLabels = labels.serviceLabels[s];
            f.serviceBackends.add(new GaugeDataPointSnapshot(services[s].backends().size(), serviceLabels, null));
            if (counters[s].held()) {
                f.serviceConnections.add(counter(connections[s], serviceLabels));
                f.refused.add(counter(counters[s].refused(), serviceLabels));
                f.retried.add(counter(counters[s].retried(), serviceLabels));
            }
        }
        return f.snapshots();
    }

    /**
     * Every service's counters in one read of the datapath (one libcvsbpf call on the maps, where a read per
     * service was most of a scrape's time); service by service only when that read failed.
     */
    private AlignedCounters[] read(Service[] services) {
        AlignedCounters[] counters = new AlignedCounters[services.length];
        Map<ServiceKey, ServiceCounters> all;
        try {
            all = datapath.allCounters();
        } catch (DatapathException e) {
            log.warn("Prometheus scrape: reading all counters at once failed ({}); reading them service by service",
                    e.getMessage());
            return readEach(services);
        }
        for (int s = 0; s < services.length; s++) {
            counters[s] = AlignedCounters.of(services[s].backends(),
                    Optional.ofNullable(all.get(services[s].key())));
        }
        return counters;
    }

    private static void sumConnections(Service[] services, AlignedCounters[] counters, long[] connections) {
        for (int s = 0; s < services.length; s++) {
            for (int b = 0; b < services[s].backends().size(); b++) {
                BackendCounters c = counters[s].backend(b);
                connections[s] += c == null ? 0 : c.connections();
            }
        }
    }

    private AlignedCounters[] readEach(Service[] services) {
        AlignedCounters[] counters = new AlignedCounters[services.length];
        int unreadable = 0;
        DatapathException firstFailure = null;
        for (int s = 0; s < services.length; s++) {
            try {
                counters[s] = AlignedCounters.read(services[s], datapath);
            } catch (DatapathException e) {
                unreadable++;
                firstFailure = firstFailure == null ? e : firstFailure;
                counters[s] = AlignedCounters.of(services[s].backends(), Optional.empty());
            }
        }
        if (unreadable > 0) {
            log.warn("Prometheus scrape: the counters of {} service(s) could not be read, so they are left out: {}",
                    unreadable, firstFailure.getMessage());
        }
        return counters;
    }

    /** The labels of this table: those of the last scrape while no write published another. */
    private TrafficLabels labelsOf(NavigableMap<String, Service> table) {
        TrafficLabels known = labels;
        if (known == null || known.table != table) {
            known = TrafficLabels.of(table, backendSeriesMax);
            labels = known;
        }
        return known;
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(BACKEND_CONNECTIONS, BACKEND_PACKETS, BACKEND_BYTES, BACKEND_WEIGHT, BACKEND_UP,
                SERVICE_CONNECTIONS, SERVICE_REFUSED, SERVICE_RETRIED, SERVICE_BACKENDS);
    }

    private static CounterDataPointSnapshot counter(long value, Labels labels) {
        return new CounterDataPointSnapshot(value, labels, null, 0);
    }

    /** The data points of one scrape, family by family; a family without any is left out. */
    private static final class Families {
        final List<CounterDataPointSnapshot> connections = new ArrayList<>();
        final List<CounterDataPointSnapshot> packets = new ArrayList<>();
        final List<CounterDataPointSnapshot> bytes = new ArrayList<>();
        final List<GaugeDataPointSnapshot> weight = new ArrayList<>();
        final List<GaugeDataPointSnapshot> up = new ArrayList<>();
        final List<CounterDataPointSnapshot> serviceConnections = new ArrayList<>();
        final List<CounterDataPointSnapshot> refused = new ArrayList<>();
        final List<CounterDataPointSnapshot> retried = new ArrayList<>();
        final List<GaugeDataPointSnapshot> serviceBackends = new ArrayList<>();

        MetricSnapshots snapshots() {
            List<MetricSnapshot> all = new ArrayList<>();
            counters(all, BACKEND_CONNECTIONS, "New connections the datapath sent to the backend", connections);
            counters(all, BACKEND_PACKETS, "Packets the datapath translated towards the backend (cvs.ko: the "
                    + "first of each connection; socket-LB: UDP datagrams sent with sendmsg)", packets);
            counters(all, BACKEND_BYTES, "Bytes of the packets counted in cvs_backend_packets_total", bytes);
            gauges(all, BACKEND_WEIGHT, "Configured weight of the backend (0: draining)", weight);
            gauges(all, BACKEND_UP, "1 while the backend is in rotation as far as health checks go, 0 while they took "
                    + "it out (weight 0 in the maps)", up);
            counters(all, SERVICE_CONNECTIONS, "New connections sent to the service's current backends (their sum)",
                    serviceConnections);
            counters(all, SERVICE_REFUSED, "New connections refused: no usable backend", refused);
            counters(all, SERVICE_RETRIED, "Backend selections restarted because a change was published meanwhile",
                    retried);
            gauges(all, SERVICE_BACKENDS, "Configured backends of the service", serviceBackends);
            return new MetricSnapshots(all);
        }

        private static void counters(List<MetricSnapshot> all, String name, String help,
                List<CounterDataPointSnapshot> points) {
            if (!points.isEmpty()) {
                all.add(new CounterSnapshot(new MetricMetadata(name, help), points));
            }
        }

        private static void gauges(List<MetricSnapshot> all, String name, String help,
                List<GaugeDataPointSnapshot> points) {
            if (!points.isEmpty()) {
                all.add(new GaugeSnapshot(new MetricMetadata(name, help), points));
            }
        }
    }
}
