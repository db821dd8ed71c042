package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Counters come back per backend, in the order the backends were configured. */
class CountersTest {

    private static final ServiceKey WEB = tcp("192.0.2.10", 80);

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void aFreshServiceCountsNothingAndListsItsBackendsInConfiguredOrder() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 16, 4, 16), OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.3", 8082, 1), backend("10.1.0.1", 8080, 0),
                    backend("10.1.0.2", 8081, 5)));

            assertThat(maps.counters(WEB)).contains(new ServiceCounters(0, 0, List.of(
                    new BackendCounters(ip("10.1.0.3"), 8082, 0, 0, 0),
                    new BackendCounters(ip("10.1.0.1"), 8080, 0, 0, 0),
                    new BackendCounters(ip("10.1.0.2"), 8081, 0, 0, 0))));
        }
    }

    @Test
    void reorderingTheBackendsReordersTheirCounters() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 16, 4, 16), OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 1), backend("10.1.0.2", 8080, 1)));
            maps.upsert(WEB, List.of(backend("10.1.0.2", 8080, 1), backend("10.1.0.1", 8080, 1)));

            assertThat(maps.counters(WEB).orElseThrow().backends())
                    .extracting(BackendCounters::address)
                    .containsExactly(ip("10.1.0.2"), ip("10.1.0.1"));
        }
    }

    @Test
    void aServiceThatDoesNotExistHasNoCounters() {
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 16, 4, 16), OpenMode.CREATE)) {
            assertThat(maps.counters(WEB)).isEmpty();
        }
    }
}
