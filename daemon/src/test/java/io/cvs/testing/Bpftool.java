package io.cvs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads pinned maps and cgroup attachments with bpftool, a reader that shares no code with the Java binding, to
 * prove what the kernel really holds. bpftool prints every map entry's key and value as raw bytes ("0x.."
 * strings) and, for maps with BTF, adds a "formatted" object with field names; only the raw bytes are compared,
 * so the check does not depend on BTF or on how bpftool formats a field.
 */
public final class Bpftool {

    /** One entry: raw key and value bytes exactly as the kernel holds them. */
    public record Entry(byte[] key, byte[] value) {
    }

    /** A program attached to a cgroup itself (inherited ones are not listed), by attach type's short name. */
    public record CgroupProgram(int id, String attachType) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** bpftool 7 prints libbpf's names of attach types; older ones printed the short names. */
    private static final Map<String, String> SHORT_ATTACH_TYPES = Map.of(
            "cgroup_inet4_connect", "connect4",
            "cgroup_udp4_sendmsg", "sendmsg4",
            "cgroup_udp4_recvmsg", "recvmsg4",
            "cgroup_inet4_getpeername", "getpeername4",
            "cgroup_inet6_connect", "connect6",
            "cgroup_udp6_sendmsg", "sendmsg6",
            "cgroup_udp6_recvmsg", "recvmsg6",
            "cgroup_inet6_getpeername", "getpeername6");

    private Bpftool() {
    }

    /** The attach types of the eight socket-LB programs, four per family, as {@link #cgroupPrograms} names them. */
    public static final String[] SOCKET_LB_ATTACH_TYPES = {"connect4", "sendmsg4", "recvmsg4", "getpeername4",
        "connect6", "sendmsg6", "recvmsg6", "getpeername6"};

    public static List<Entry> dump(Path pinnedMap) throws IOException, InterruptedException {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode entry : run("map", "dump", "pinned", pinnedMap.toString())) {
            assertTrue(entry.has("value"), "not a map with one value per key (per-CPU?): " + entry);
            entries.add(new Entry(bytes(entry.get("key")), bytes(entry.get("value"))));
        }
        return entries;
    }

    /** The entries of a per-CPU map, each value summed over the CPUs as __u64 words. */
    public static List<Entry> dumpSummed(Path pinnedMap) throws IOException, InterruptedException {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode entry : run("map", "dump", "pinned", pinnedMap.toString())) {
            byte[] sum = null;
            for (JsonNode cpu : entry.get("values")) {
                byte[] value = bytes(cpu.get("value"));
                sum = sum == null ? value : GoldenMapSet.addWords(sum, value);
            }
            entries.add(new Entry(bytes(entry.get("key")), sum));
        }
        return entries;
    }

    /** Runs bpftool commands (without the leading "bpftool") in one process: bpftool batch file. */
    public static void batch(List<String> commands) throws IOException, InterruptedException {
        Path file = Files.createTempFile("cvs-bpftool-batch", ".txt");
        try {
            Files.write(file, commands);
            run("batch", "file", file.toString());
        } finally {
            Files.delete(file);
        }
    }

    /** Sets a map entry by hand, as an operator would: bpftool map update. */
    public static void update(Path pinnedMap, byte[] key, byte[] value) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("map", "update", "pinned", pinnedMap.toString()));
        arguments.addAll(hex("key", key));
        arguments.addAll(hex("value", value));
        run(arguments.toArray(String[]::new));
    }

    /** Deletes a map entry by hand: bpftool map delete. */
    public static void delete(Path pinnedMap, byte[] key) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("map", "delete", "pinned", pinnedMap.toString()));
        arguments.addAll(hex("key", key));
        run(arguments.toArray(String[]::new));
    }

    /** The first __u32 of a raw key or value (an array index, a service id), in the host's little-endian order. */
    public static int u32(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    /** The raw key of an array map's entry: a __u32 index in the host's little-endian order. */
    public static byte[] u32Key(int index) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(index).array();
    }

    /** The raw key of the cvs_svc_v1 entry of the map set at mapSet that names this service id. */
    public static byte[] serviceEntryKey(Path mapSet, int serviceId) throws IOException, InterruptedException {
        return dump(mapSet.resolve("cvs_svc_v1")).stream().filter(entry -> u32(entry.value()) == serviceId)
                .findFirst().orElseThrow(() -> new AssertionError("no service id " + serviceId + " in " + mapSet))
                .key();
    }

    /**
     * Every entry of a pinned map as hex strings, key to value, sorted by key: two calls give equal maps exactly
     * when the kernel held the same bytes under the same keys, whatever order the map iterates in.
     */
    public static SortedMap<String, String> entries(Path pinnedMap) throws IOException, InterruptedException {
        SortedMap<String, String> entries = new TreeMap<>();
        for (Entry entry : dump(pinnedMap)) {
            entries.put(HexFormat.of().formatHex(entry.key()), HexFormat.of().formatHex(entry.value()));
        }
        return entries;
    }

    /** The ids of every BPF map the kernel holds now: bpftool map show. */
    public static Set<Integer> mapIds() throws IOException, InterruptedException {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode map : run("map", "show")) {
            ids.add(map.get("id").asInt());
        }
        return ids;
    }

    public static List<CgroupProgram> cgroupPrograms(Path cgroup) throws IOException, InterruptedException {
        List<CgroupProgram> programs = new ArrayList<>();
        for (JsonNode program : run("cgroup", "show", cgroup.toString())) {
            String attachType = program.get("attach_type").asString();
            programs.add(new CgroupProgram(program.get("id").asInt(),
                    SHORT_ATTACH_TYPES.getOrDefault(attachType, attachType)));
        }
        return programs;
    }

    /** Ids of the loaded programs that use the map: none once nothing of a map set's datapath is loaded. */
    public static List<Integer> programsUsingMap(int mapId) throws IOException, InterruptedException {
        List<Integer> programs = new ArrayList<>();
        for (JsonNode program : run("prog", "show")) {
            for (JsonNode id : program.path("map_ids")) {
                if (id.asInt() == mapId) {
                    programs.add(program.get("id").asInt());
                }
            }
        }
        return programs;
    }

    /** bpftool -j with these arguments; its JSON array, or an empty one where it prints nothing at all. */
    private static JsonNode run(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bpftool", "-j"));
        command.addAll(List.of(arguments));
        Process bpftool = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(bpftool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bpftool.waitFor(30, TimeUnit.SECONDS), "bpftool did not finish");
        assertEquals(0, bpftool.exitValue(), String.join(" ", command));
        return JSON.readTree(out.isBlank() ? "[]" : out);
    }

    /** "key hex 0a 00 ..." as bpftool's arguments. */
    private static List<String> hex(String what, byte[] bytes) {
        List<String> arguments = new ArrayList<>(List.of(what, "hex"));
        for (byte b : bytes) {
            arguments.add(String.format("%02x", b));
        }
        return arguments;
    }

    private static byte[] bytes(JsonNode hexStrings) {
        byte[] bytes = new byte[hexStrings.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hexStrings.get(i).asString().substring(2), 16);
        }
        return bytes;
    }
}
