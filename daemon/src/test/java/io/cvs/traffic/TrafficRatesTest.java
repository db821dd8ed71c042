package io.cvs.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.write.ServiceRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sampler behind the stats' rates, on the memory datapath (whose counters stay 0) with a clock the test moves:
 * which samples a rate comes from and the window it covers. The arithmetic on moving counters: ServiceSampleTest;
 * on real traffic: the end-to-end test.
 */
class TrafficRatesTest {

    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final MemoryDatapath datapath = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
    private final Journal journal = TestJournals.open("rates");
    private final ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));
    private final TrafficRates rates = new TrafficRates(registry, datapath, clock, Duration.ofSeconds(5));

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    @Test
    void thereIsNoRateBeforeTwoSamples() {
        Service web = registry.create(config("web", "192.0.2.10"));
        assertThat(rates.of(web)).isEmpty();

        rates.sample();

        assertThat(rates.of(web)).isEmpty();
    }

    @Test
    void theRateCoversTheTimeBetweenTheLastTwoSamplesAndSaysWhenItEnded() {
        Service web = registry.create(config("web", "192.0.2.10"));
        rates.sample();
        clock.advance(Duration.ofMillis(4_500));
        rates.sample();
        clock.advance(Duration.ofSeconds(1));

        ServiceStats.ServiceRate rate = rates.of(web).orElseThrow().service();

        assertThat(rate.windowSeconds()).isEqualTo(4.5);
        assertThat(rate.sampledAt()).isEqualTo(Instant.parse("2026-01-01T00:00:04.500Z"));
        assertThat(rate.connectionsPerSecond()).isZero();
        assertThat(rate.refusedPerSecond()).isZero();
        assertThat(rate.packetsPerSecond()).as("the memory datapath counts no packets").isNull();
    }

    @Test
    void onlyTheLastTwoSamplesCount() {
        Service web = registry.create(config("web", "192.0.2.10"));
        for (int i = 0; i < 3; i++) {
            rates.sample();
            clock.advance(Duration.ofSeconds(5 + i));
        }
        rates.sample();

        assertThat(rates.of(web).orElseThrow().service().windowSeconds()).isEqualTo(7);
    }

    @Test
    void aServiceCreatedAfterTheLastSampleHasNoRateYetAndOneCreatedBetweenTheTwoHasOne() {
        rates.sample();
        Service between = registry.create(config("between", "192.0.2.11"));
        clock.advance(Duration.ofSeconds(5));
        rates.sample();
        Service after = registry.create(config("after", "192.0.2.12"));

        assertThat(rates.of(after)).isEmpty();
        assertThat(rates.of(between).orElseThrow().backends()).hasSize(1).doesNotContainNull();
    }

    private static ServiceConfig config(String name, String vip) {
        return new ServiceConfig(name, new ServiceKey(ServiceSampleTest.ip(vip), 80, Protocol.TCP),
                List.of(ServiceSampleTest.backend("10.0.0.1")), new TreeMap<>());
    }

    /** A clock that stands still until the test moves it. */
    static final class MovableClock extends Clock {

        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }
    }
}
