package io.cvs.e2e;

import io.cvs.datapath.MapIds;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.testing.Bpftool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the datapath reads of a map set, to tell whether anybody rewrote it: the maps' kernel ids (a map recreated
 * under the same pin gets a new id) and every entry of the maps a lookup goes through, with the generation words.
 * The counters are left out: traffic changes them. Read with bpftool and a read-only {@link MapSet}, which takes no
 * writer lock, so a running daemon may hold the map set meanwhile.
 */
record MapSnapshot(MapIds ids, Map<String, SortedMap<String, String>> entries) {

    private static final List<String> FORWARDING_MAPS = List.of("cvs_svc_v1", "cvs_gen_v1", "cvs_sel_v1",
            "cvs_mbr_v1", "cvs_be_v1");

    static MapSnapshot of(Path pinDir) throws IOException, InterruptedException {
        MapIds ids;
        try (BpfDatapath maps = BpfDatapath.readOnly(pinDir)) {
            ids = maps.status().mapIds();
        }
        Map<String, SortedMap<String, String>> entries = new LinkedHashMap<>();
        for (String map : FORWARDING_MAPS) {
            entries.put(map, Bpftool.entries(pinDir.resolve(map)));
        }
        return new MapSnapshot(ids, entries);
    }

    /** Each entry that differs in {@code later}, as {@code map[key]: value before -> value after}. */
    List<String> changesIn(MapSnapshot later) {
        List<String> changes = new ArrayList<>();
        entries.forEach((map, before) -> {
            SortedMap<String, String> after = later.entries().get(map);
            SortedSet<String> keys = new TreeSet<>(before.keySet());
            keys.addAll(after.keySet());
            for (String key : keys) {
                if (!Objects.equals(before.get(key), after.get(key))) {
                    changes.add(map + "[" + key + "]: " + before.getOrDefault(key, "absent") + " -> "
                            + after.getOrDefault(key, "absent"));
                }
            }
        });
        return changes;
    }
}
