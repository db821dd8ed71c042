package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceKey;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One MapSet shared by threads: each call encodes into the shared native buffer without the others' bytes. */
class ConcurrentUseTest {

    private static final int ROUNDS = 300;

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void threadsWritingTheirOwnServicesAlwaysReadBackTheirOwnWrites() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (MapSet maps = MapSet.open(pinRoots.fresh(), new Capacity(4, 32, 8, 32), OpenMode.CREATE)) {
            Future<?> first = threads.submit(() -> writeAndReadBack(maps, tcp("192.0.2.10", 80), "10.1.0."));
            Future<?> second = threads.submit(() -> writeAndReadBack(maps, tcp("192.0.2.11", 443), "10.2.0."));

            first.get(60, TimeUnit.SECONDS);
            second.get(60, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
    }

    private static void writeAndReadBack(MapSet maps, ServiceKey key, String backendPrefix) {
        for (int round = 0; round < ROUNDS; round++) {
            List<Backend> backends = List.of(backend(backendPrefix + 1, 8080, round % 7),
                    backend(backendPrefix + 2, 8080, 1), backend(backendPrefix + (3 + round % 2), 8080, 2));

            maps.upsert(key, backends);

            assertThat(maps.get(key).orElseThrow().backends()).isEqualTo(backends);
            assertThat(maps.counters(key).orElseThrow().backends()).hasSize(3);
        }
    }
}
