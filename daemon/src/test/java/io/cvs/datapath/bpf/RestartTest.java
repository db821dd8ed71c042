package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.MapIds;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The maps are pinned: closing the writer (a daemon restart) keeps every map and every entry. */
class RestartTest {

    private static final ServiceKey WEB = tcp("192.0.2.10", 80);

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    @Test
    void reopeningFindsTheSameMapsAndTheSameService() {
        Path root = pinRoots.fresh();
        Capacity capacity = new Capacity(8, 32, 4, 16);
        MapIds idsBefore;
        ServiceInfo before;
        try (MapSet maps = MapSet.open(root, capacity, OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 1), backend("10.1.0.2", 8080, 0)));
            idsBefore = maps.mapIds();
            before = maps.get(WEB).orElseThrow();
        }

        try (MapSet maps = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING)) {
            assertThat(maps.mapIds()).isEqualTo(idsBefore);
            assertThat(maps.capacity()).isEqualTo(capacity);
            assertThat(maps.list()).containsExactly(WEB);
            assertThat(maps.get(WEB)).contains(before);
            assertThat(maps.usage()).isEqualTo(new Usage(capacity, 1, 2));
        }
    }

    @Test
    void aWriterAfterARestartContinuesWithNewGenerations() {
        Path root = pinRoots.fresh();
        int generationBefore;
        try (MapSet maps = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.CREATE)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 1)));
            generationBefore = maps.get(WEB).orElseThrow().generation();
        }

        try (MapSet maps = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING)) {
            maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 2)));

            ServiceInfo after = maps.get(WEB).orElseThrow();
            assertThat(after.generation()).isGreaterThan(generationBefore);
            assertThat(after.backends()).containsExactly(backend("10.1.0.1", 8080, 2));
        }
    }
}
