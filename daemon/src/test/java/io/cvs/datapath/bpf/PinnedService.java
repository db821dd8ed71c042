package io.cvs.datapath.bpf;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * For tests outside this package that check what the maps hold beyond the port's view: a service's entry as
 * libcvsbpf reads it from a live map set, opened read-only beside its writer.
 */
public record PinnedService(int id, int generation, int slots, List<Backend> backends) {

    public static Optional<PinnedService> read(Path pinDir, ServiceKey key) {
        try (MapSet maps = MapSet.open(pinDir, io.cvs.datapath.Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            return maps.get(key).map(s -> new PinnedService(s.id(), s.generation(), s.slots(), s.backends()));
        }
    }
}
