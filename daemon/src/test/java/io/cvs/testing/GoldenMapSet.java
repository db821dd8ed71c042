package io.cvs.testing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A map set's bytes as a file, to carry a map set made by an earlier version into tests of this one: every entry
 * of the hash map and every non-zero entry of the arrays, keys and values in hex. Per-CPU maps are summed over the CPUs (their
 * values are __u64 counters), since the machine that restores them may have another number of CPUs; {@link #restore}
 * leaves them at zero (bpftool would write a value to every CPU).
 *
 * <p>{@link #main} captures: {@code java -cp <test class path> io.cvs.testing.GoldenMapSet <pin dir> <file>}, run
 * after the earlier daemon that made the set was stopped (daemon/src/test/resources/mapset/README.md says how each
 * file was made).
 */
public final class GoldenMapSet {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> PER_CPU = List.of("cvs_bestat_v1", "cvs_svcstat_v1");
    /** The set's one hash map; the others are arrays. */
    private static final String HASH = "cvs_svc_v1";

    /** One entry: key and value in hex. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String key, String value) {
    }

    private GoldenMapSet() {
    }

    public static void main(String[] args) throws Exception {
        Path pinDir = Path.of(args[0]);
        Map<String, List<Entry>> maps = new LinkedHashMap<>();
        for (String name : io.cvs.datapath.MapIds.MAP_NAMES) {
            maps.put(name, capture(pinDir.resolve(name), PER_CPU.contains(name), !name.equals(HASH)));
        }
        Files.writeString(Path.of(args[1]), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(maps) + "\n");
    }

    /** The entries of the file, map by map. */
    public static Map<String, List<Entry>> read(Path file) throws IOException {
        Map<String, List<Entry>> maps = new LinkedHashMap<>();
        JsonNode root = JSON.readTree(Files.readString(file));
        for (String name : root.propertyNames()) {
            List<Entry> entries = new ArrayList<>();
            root.get(name).forEach(e -> entries.add(new Entry(e.get("key").asString(), e.get("value").asString())));
            maps.put(name, entries);
        }
        return maps;
    }

    /**
     * Writes every entry of the file, except the per-CPU counters, into the map set pinned at pinDir, which must
     * have the capacity the file's cvs_meta_v1 records (create it first): one bpftool process for all of them.
     */
    public static void restore(Path file, Path pinDir) throws IOException, InterruptedException {
        List<String> commands = new ArrayList<>();
        read(file).forEach((map, entries) -> {
            if (PER_CPU.contains(map)) {
                return;
            }
            for (Entry entry : entries) {
                commands.add("map update pinned " + pinDir.resolve(map) + " key hex " + spaced(entry.key())
                        + " value hex " + spaced(entry.value()));
            }
        });
        Bpftool.batch(commands);
    }

    /** An array's zero entries are what a new map holds anyway; a hash entry is there or not, whatever its value. */
    private static List<Entry> capture(Path map, boolean perCpu, boolean array)
            throws IOException, InterruptedException {
        List<Entry> entries = new ArrayList<>();
        for (Bpftool.Entry entry : perCpu ? Bpftool.dumpSummed(map) : Bpftool.dump(map)) {
            if (!array || !allZero(entry.value())) {
                HexFormat hex = HexFormat.of();
                entries.add(new Entry(hex.formatHex(entry.key()), hex.formatHex(entry.value())));
            }
        }
        return entries;
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String spaced(String hex) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            out.append(i > 0 ? " " : "").append(hex, i, i + 2);
        }
        return out.toString();
    }

    /** Little-endian __u64 words of a value, added word by word: the sum of a per-CPU value over its CPUs. */
    static byte[] addWords(byte[] sum, byte[] value) {
        ByteBuffer a = ByteBuffer.wrap(sum).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 8 <= sum.length; i += 8) {
            a.putLong(i, a.getLong(i) + b.getLong(i));
        }
        return sum;
    }
}
