package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.Addresses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The write path's meters as writes, reconciles and fsyncs happen, on the memory datapath and a real journal. */
class WriteMetricsTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final MemoryDatapath datapath = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
    private final Journal journal = Journal.open(TestJournals.freshDir("write-metrics"), TestJournals.DEFAULTS, meters);
    private final ServiceRegistry registry = new ServiceRegistry(datapath, journal, CapacityPolicy.FIXED, true,
            Duration.ofSeconds(30), meters);

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    @Test
    void aWriteThroughTheApiIsTimedFromAcceptedToProgrammedAndItsBatchAndFsyncAreRecorded() {
        registry.create(config("web", "192.0.2.10"));

        assertThat(meters.get("cvs.programming.duration").tag("source", "api").timer().count()).isEqualTo(1);
        assertThat(meters.get("cvs.programming.duration").tag("source", "api").timer().totalTime(TimeUnit.NANOSECONDS))
                .isPositive();
        assertThat(meters.get("cvs.journal.batch.size").summary().count()).isEqualTo(1);
        assertThat(meters.get("cvs.journal.batch.size").summary().totalAmount()).isEqualTo(1);
        assertThat(meters.get("cvs.journal.fsync.duration").timer().count()).isEqualTo(1);
    }

    @Test
    void aReconcileThatFindsNothingCountsAsARunButProgramsNothing() {
        registry.create(config("web", "192.0.2.10"));
        registry.firstReconcile().join();

        registry.reconcile();

        assertThat(meters.get("cvs.reconcile.runs").tag("result", "ok").counter().count()).isEqualTo(2);
        assertThat(meters.get("cvs.reconcile.runs").tag("result", "failed").counter().count()).isZero();
        assertThat(meters.get("cvs.programming.duration").tag("source", "reconcile").timer().count()).isZero();
    }

    @Test
    void aReconcileThatRepairsCountsEachRepairByActionAndIsTimedAsAChange() {
        Service web = registry.create(config("web", "192.0.2.10"));
        registry.firstReconcile().join();
        datapath.remove(web.key());
        datapath.apply(new ServiceKey(Addresses.ip("192.0.2.99"), 80, Protocol.TCP),
                List.of(Addresses.backend("10.0.0.9", 8080, 1)));

        registry.reconcile();

        assertThat(meters.get("cvs.reconcile.repairs").tag("action", "added").counter().count()).isEqualTo(1);
        assertThat(meters.get("cvs.reconcile.repairs").tag("action", "removed").counter().count()).isEqualTo(1);
        assertThat(meters.get("cvs.reconcile.repairs").tag("action", "fixed").counter().count()).isZero();
        assertThat(meters.get("cvs.programming.duration").tag("source", "reconcile").timer().count()).isEqualTo(1);
    }

    private static ServiceConfig config(String name, String vip) {
        return new ServiceConfig(name, new ServiceKey(Addresses.ip(vip), 80, Protocol.TCP),
                List.of(Addresses.backend("10.0.0.1", 8080, 1)), new TreeMap<>());
    }
}
