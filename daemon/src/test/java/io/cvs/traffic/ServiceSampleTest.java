package io.cvs.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** A rate is the change of a counter between two samples over the time between them, and never negative. */
class ServiceSampleTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T5 = T0.plusSeconds(5);
    private static final long NOT_HELD = ServiceSample.NOT_HELD;

    private final Service web = service(backend("10.0.0.1"), backend("10.0.0.2"));

    @Test
    void eachBackendsRateIsItsChangeOverTheWindowAndTheServicesIsTheirSum() {
        ServiceSample before = sample(web, 2, new long[] {100, 50}, new long[] {10, 0}, new long[] {1000, 0});
        ServiceSample after = sample(web, 7, new long[] {150, 60}, new long[] {20, 5}, new long[] {3000, 500});

        RecentRate rate = after.since(before, T0, T5);

        assertThat(rate.backends()).containsExactly(new ServiceStats.BackendRate(10, 2.0, 400.0),
                new ServiceStats.BackendRate(2, 1.0, 100.0));
        assertThat(rate.service()).isEqualTo(new ServiceStats.ServiceRate(T5, 5, 12.0, 3.0, 500.0, 1.0));
    }

    @Test
    void packetsAndBytesHaveNoRateWhereTheDatapathDoesNotCountThem() {
        ServiceSample before = new ServiceSample(web, 0, new long[] {0, 0}, new long[] {0, 0}, new long[] {0, 0},
                false, false);
        ServiceSample after = new ServiceSample(web, 0, new long[] {5, 5}, new long[] {0, 0}, new long[] {0, 0},
                false, false);

        RecentRate rate = after.since(before, T0, T5);

        assertThat(rate.backends()).containsOnly(new ServiceStats.BackendRate(1, null, null));
        assertThat(rate.service().packetsPerSecond()).isNull();
        assertThat(rate.service().bytesPerSecond()).isNull();
    }

    @Test
    void aBackendWhoseCountersWentBackwardsHasNoRateAndNeitherHasTheServiceTotal() {
        ServiceSample before = sample(web, 0, new long[] {100, 50}, new long[] {0, 0}, new long[] {0, 0});
        ServiceSample after = sample(web, 0, new long[] {3, 60}, new long[] {0, 0}, new long[] {0, 0});

        RecentRate rate = after.since(before, T0, T5);

        assertThat(rate.backends().get(0)).isNull();
        assertThat(rate.backends().get(1).connectionsPerSecond()).isEqualTo(2);
        assertThat(rate.service().connectionsPerSecond()).isNull();
        assertThat(rate.service().refusedPerSecond()).isZero();
    }

    @Test
    void aBackendThatJoinedOrAServiceCreatedSinceTheEarlierSampleCountedFromZero() {
        Service grown = service(backend("10.0.0.1"), backend("10.0.0.2"), backend("10.0.0.3"));
        ServiceSample before = sample(web, 0, new long[] {100, 50}, new long[] {0, 0}, new long[] {0, 0});
        ServiceSample after = sample(grown, 0, new long[] {100, 50, 25}, new long[] {0, 0, 0}, new long[] {0, 0, 0});

        assertThat(after.since(before, T0, T5).backends()).extracting(ServiceStats.BackendRate::connectionsPerSecond)
                .containsExactly(0.0, 0.0, 5.0);
        assertThat(after.since(null, T0, T5).service().connectionsPerSecond()).isEqualTo(35);
    }

    @Test
    void aBackendTheDatapathDoesNotHoldHasNoRate() {
        ServiceSample before = sample(web, 0, new long[] {100, 50}, new long[] {0, 0}, new long[] {0, 0});
        ServiceSample after = sample(web, NOT_HELD, new long[] {NOT_HELD, 55}, new long[] {NOT_HELD, 0},
                new long[] {NOT_HELD, 0});

        RecentRate rate = after.since(before, T0, T5);

        assertThat(rate.backends().get(0)).isNull();
        assertThat(rate.service().refusedPerSecond()).isNull();
        assertThat(rate.of(backend("10.0.0.2"), 0).connectionsPerSecond()).as("found by address, not position")
                .isEqualTo(1);
    }

    private static ServiceSample sample(Service service, long refused, long[] connections, long[] packets,
            long[] bytes) {
        return new ServiceSample(service, refused, connections, packets, bytes, true, true);
    }

    static Service service(Backend... backends) {
        return new Service("svc-0000000001", 1, new ServiceConfig("web",
                new ServiceKey(ip("192.0.2.10"), 80, Protocol.TCP), List.of(backends), new TreeMap<>()));
    }

    static Backend backend(String address) {
        return new Backend(ip(address), 8080, 1);
    }

    static Inet4Address ip(String address) {
        try {
            return (Inet4Address) InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
