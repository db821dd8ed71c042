package io.cvs.datapath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads pinned maps with bpftool, a reader that shares no code with the Java binding, to prove what the maps
 * really hold. bpftool prints every entry's key and value as raw bytes ("0x.." strings) and, for maps with BTF,
 * adds a "formatted" object with field names; only the raw bytes are compared, so the check does not depend on
 * BTF or on how bpftool formats a field.
 */
final class Bpftool {

    /** One entry: raw key and value bytes exactly as the kernel holds them. */
    record Entry(byte[] key, byte[] value) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Bpftool() {
    }

    static List<Entry> dump(Path pinnedMap) throws IOException, InterruptedException {
        Process bpftool = new ProcessBuilder("bpftool", "-j", "map", "dump", "pinned", pinnedMap.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        byte[] out = bpftool.getInputStream().readAllBytes();
        assertTrue(bpftool.waitFor(30, TimeUnit.SECONDS), "bpftool did not finish");
        assertEquals(0, bpftool.exitValue(), "bpftool map dump " + pinnedMap);
        List<Entry> entries = new ArrayList<>();
        for (JsonNode entry : JSON.readTree(new String(out, StandardCharsets.UTF_8))) {
            assertTrue(entry.has("value"), "not a map with one value per key (per-CPU?): " + entry);
            entries.add(new Entry(bytes(entry.get("key")), bytes(entry.get("value"))));
        }
        return entries;
    }

    private static byte[] bytes(JsonNode hexStrings) {
        byte[] bytes = new byte[hexStrings.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hexStrings.get(i).asString().substring(2), 16);
        }
        return bytes;
    }
}
