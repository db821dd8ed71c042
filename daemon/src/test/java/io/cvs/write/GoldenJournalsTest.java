package io.cvs.write;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalRecord;
import io.cvs.journal.JournalStatus;
import io.cvs.journal.TestJournals;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Journals written by earlier daemons restore as they meant. The golden journals in
 * {@code src/test/resources/journal/} (its README says what they hold; {@link GoldenJournalWriter} how they were
 * made) are copied into a journal directory, opened, and restored through the registry as the daemon does at
 * start; then every field of every service is compared with what was written, spelled out here rather than
 * derived from the writer. The bytes are never regenerated: a change that makes them mean something else fails
 * here.
 */
class GoldenJournalsTest {

    private static final String EVERY_VARIANT = "format-2-every-variant";
    private static final String FORMAT_ONE = "format-1-then-2";
    private static final String FORMAT_FOUR = "format-4";
    private static final String[] FORMAT_FOUR_FILES = {"snapshot-00000000000000000003.snap",
        "segment-00000000000000000004.wal"};
    /** The bytes after a service's check that format 2 did not have and are 0 for a service of its time. */
    private static final int TAIL_ZEROS = 11;

    @Test
    void aFormatTwoJournalOfEveryCheckVariantRestoresFieldByField() {
        Restored restored = restore(EVERY_VARIANT, 8, 9, 15, "snapshot-00000000000000000008.snap",
                "segment-00000000000000000009.wal", "segment-00000000000000000014.wal");

        assertServices(restored.services(), List.of(
                service(1, 2, "web", "192.0.2.10", 80, Protocol.TCP,
                        List.of(backend("10.0.1.1", 8080, 7), backend("10.0.1.2", 8080, 1),
                                backend("10.0.1.3", 8080, 0)),
                        Map.of("app", "shop", "tier", "web"), null),
                service(2, 2, "dns", "192.0.2.53", 53, Protocol.UDP,
                        List.of(backend("10.0.2.1", 53, 1), backend("10.0.2.2", 5353, 65535)), Map.of(),
                        new HealthCheck(Type.UDP, 0, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_CLOSED, "", 200, 399, "\0\1", "")),
                service(3, 1, "empty", "198.51.100.7", 65535, Protocol.TCP, List.of(),
                        Map.of("note", "caf\u00e9 \u2615 \ud83d\ude42"), null),
                service(4, 2, "tcp-up-open", "203.0.113.4", 443, Protocol.TCP,
                        List.of(backend("10.0.4.1", 443, 1), backend("10.0.4.2", 443, 2)), Map.of("check", "tcp"),
                        new HealthCheck(Type.TCP, 9000, ms(500), ms(200), 1, 1, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "", 200, 399, "", "")),
                service(5, 1, "http-up-open", "203.0.113.5", 80, Protocol.TCP,
                        List.of(backend("10.0.5.1", 80, 1), backend("10.0.5.2", 80, 2)), Map.of("check", "http"),
                        new HealthCheck(Type.HTTP, 0, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "/", 200, 399, "", "")),
                service(6, 1, "https-up-open", "203.0.113.6", 443, Protocol.TCP,
                        List.of(backend("10.0.6.1", 443, 1), backend("10.0.6.2", 443, 2)), Map.of("check", "https"),
                        new HealthCheck(Type.HTTPS, 8443, ms(5000), ms(2000), 3, 2, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "/ready?full=1", 200, 299, "", "")),
                service(7, 1, "udp-up-open", "203.0.113.7", 53, Protocol.UDP,
                        List.of(backend("10.0.7.1", 53, 1), backend("10.0.7.2", 53, 2)), Map.of("check", "udp"),
                        new HealthCheck(Type.UDP, 0, ms(1500), ms(250), 2, 4, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "", 200, 399, "ping", "pong")),
                service(8, 1, "tcp-down-closed", "203.0.113.8", 22, Protocol.TCP,
                        List.of(backend("10.0.8.1", 22, 1), backend("10.0.8.2", 22, 2)), Map.of("check", "tcp"),
                        new HealthCheck(Type.TCP, 22, ms(100), ms(10), 1, 1, InitialState.DOWN,
                                WhenAllDown.FAIL_CLOSED, "", 200, 399, "", "")),
                service(9, 1, "http-down-closed", "203.0.113.9", 80, Protocol.TCP,
                        List.of(backend("10.0.9.1", 80, 1), backend("10.0.9.2", 80, 2)), Map.of("check", "http"),
                        new HealthCheck(Type.HTTP, 8081, ms(3_600_000), ms(60_000), 100, 100, InitialState.DOWN,
                                WhenAllDown.FAIL_CLOSED, "/healthz", 204, 204, "", "")),
                service(10, 1, "https-down-closed", "203.0.113.10", 443, Protocol.TCP,
                        List.of(backend("10.0.10.1", 443, 1), backend("10.0.10.2", 443, 2)),
                        Map.of("check", "https"),
                        new HealthCheck(Type.HTTPS, 0, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_CLOSED, "/", 100, 599, "", "")),
                service(11, 1, "udp-down-closed", "203.0.113.11", 5353, Protocol.UDP,
                        List.of(backend("10.0.11.1", 5353, 1), backend("10.0.11.2", 5353, 2)),
                        Map.of("check", "udp"),
                        new HealthCheck(Type.UDP, 5353, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_CLOSED, "", 200, 399, "\u00bfest\u00e1s? \u2615", "")),
                service(14, 1, "tcp-up-closed", "203.0.113.14", 3306, Protocol.TCP,
                        List.of(backend("10.0.14.1", 3306, 1), backend("10.0.14.2", 3306, 2)),
                        Map.of("check", "tcp"),
                        new HealthCheck(Type.TCP, 33060, ms(10_000), ms(5000), 5, 5, InitialState.UP,
                                WhenAllDown.FAIL_CLOSED, "", 200, 399, "", "")),
                service(15, 1, "http-up-closed", "203.0.113.15", 8080, Protocol.TCP,
                        List.of(backend("10.0.15.1", 8080, 1), backend("10.0.15.2", 8080, 2)),
                        Map.of("check", "http"),
                        new HealthCheck(Type.HTTP, 0, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_CLOSED, "/status", 200, 200, "", "")),
                service(16, 1, "https-up-closed", "203.0.113.16", 443, Protocol.TCP,
                        List.of(backend("10.0.16.1", 443, 1), backend("10.0.16.2", 443, 2)),
                        Map.of("check", "https"),
                        new HealthCheck(Type.HTTPS, 443, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_CLOSED, "/", 200, 399, "", "")),
                service(17, 2, "legacy", "203.0.113.17", 25, Protocol.TCP,
                        List.of(backend("10.0.17.1", 25, 1), backend("10.0.17.2", 25, 2)), Map.of("check", "tcp"),
                        null),
                service(18, 1, "tcp-down-open", "203.0.113.18", 6379, Protocol.TCP,
                        List.of(backend("10.0.18.1", 6379, 1), backend("10.0.18.2", 6379, 2)),
                        Map.of("check", "tcp"),
                        new HealthCheck(Type.TCP, 0, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_OPEN, "", 200, 399, "", "")),
                service(19, 1, "http-down-open", "203.0.113.19", 80, Protocol.TCP,
                        List.of(backend("10.0.19.1", 80, 1), backend("10.0.19.2", 80, 2)), Map.of("check", "http"),
                        new HealthCheck(Type.HTTP, 9090, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_OPEN, "/metrics", 200, 399, "", "")),
                service(20, 1, "https-down-open", "203.0.113.20", 443, Protocol.TCP,
                        List.of(backend("10.0.20.1", 443, 1), backend("10.0.20.2", 443, 2)),
                        Map.of("check", "https"),
                        new HealthCheck(Type.HTTPS, 0, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_OPEN, "/", 301, 302, "", "")),
                service(21, 1, "udp-down-open", "203.0.113.21", 123, Protocol.UDP,
                        List.of(backend("10.0.21.1", 123, 1), backend("10.0.21.2", 123, 2)),
                        Map.of("check", "udp"),
                        new HealthCheck(Type.UDP, 0, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_OPEN, "", 200, 399, "time?", "time="))));
    }

    /**
     * A journal of the last format before selection policies (format 4: IPv6, removal policies; see
     * {@link GoldenFormatFourWriter}) restores field by field, every service RANDOM without affinity, as it was.
     */
    @Test
    void aFormatFourJournalRestoresEveryServiceAsRandomWithoutAffinity() {
        Restored restored = restore(FORMAT_FOUR, 3, 4, 5, FORMAT_FOUR_FILES);

        assertThat(restored.snapshot()[0]).as("the snapshot is format 4").isEqualTo((byte) 4);
        assertThat(restored.records()).extracting(r -> (int) r.payload()[0]).containsExactly(4, 4);
        assertServices(restored.services(), List.of(
                new Service(id(201), 2, new ServiceConfig("web-v6", new ServiceKey(ip("2001:db8::10"), 80,
                        Protocol.TCP), List.of(backend("fd00::1", 8080, 1), backend("fd00::2", 8080, 3),
                                backend("fd00::3", 8080, 1)), new TreeMap<>(Map.of("app", "web")), null,
                        OnBackendRemoval.KEEP, SelectionPolicy.DEFAULT)),
                new Service(id(203), 1, new ServiceConfig("shop", new ServiceKey(ip("192.0.2.80"), 80, Protocol.TCP),
                        List.of(backend("10.1.0.1", 8080, 2), backend("10.1.0.2", 8080, 0)),
                        new TreeMap<>(Map.of("tier", "front")), null, OnBackendRemoval.KEEP,
                        SelectionPolicy.DEFAULT))));
        Map<String, Service> snapshot = new HashMap<>();
        JournalCodec.readState(restored.snapshot()).forEach(s -> snapshot.put(s.id(), s));
        assertThat(snapshot.get(id(201)).content().onBackendRemoval()).as("web-v6 v1 in the snapshot")
                .isEqualTo(OnBackendRemoval.RESET);
        assertThat(snapshot.get(id(202)).content().healthCheck().type()).as("dns, deleted after it")
                .isEqualTo(Type.UDP);
    }

    /** Today's daemon appends format 5 to a format-4 journal; a restart reads both. */
    @Test
    void aFormatFourJournalTakesFormatFiveRecordsAndRestoresBoth() {
        Path dir = copy(FORMAT_FOUR, golden(FORMAT_FOUR, FORMAT_FOUR_FILES));
        SelectionPolicy maglev = SelectionPolicy.maglev(251).withAffinity(60);
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS);
                ServiceRegistry registry = new ServiceRegistry(new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT,
                        null), journal, true, Duration.ofSeconds(30))) {
            registry.update(id(203), Precondition.NONE, shop -> shop.content().withSelection(maglev));
        }
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(journal.recoveredRecords()).extracting(r -> (int) r.payload()[0]).containsExactly(4, 4, 5);
            try (ServiceRegistry registry = new ServiceRegistry(new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT,
                    null), journal, true, Duration.ofSeconds(30))) {
                assertThat(registry.get(id(203)).content().selection()).isEqualTo(maglev);
                assertThat(registry.get(id(203)).version()).isEqualTo(2);
                assertThat(registry.get(id(201)).content().selection()).isEqualTo(SelectionPolicy.DEFAULT);
            }
        }
    }

    /** The snapshot holds services later changed or deleted: its own content is checked where it differs. */
    @Test
    void theFormatTwoSnapshotHoldsTheStateBeforeTheSegments() {
        Restored restored = restore(EVERY_VARIANT, 8, 9, 15, "snapshot-00000000000000000008.snap",
                "segment-00000000000000000009.wal", "segment-00000000000000000014.wal");
        Map<String, Service> snapshot = new HashMap<>();
        JournalCodec.readState(restored.snapshot()).forEach(s -> snapshot.put(s.id(), s));

        assertThat(snapshot.keySet()).containsExactlyInAnyOrder(ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 17));
        assertServices(Map.of(id(13), snapshot.get(id(13)), id(17), snapshot.get(id(17)), id(2), snapshot.get(id(2)),
                id(4), snapshot.get(id(4))), List.of(
                service(13, 1, "doomed", "203.0.113.13", 80, Protocol.TCP,
                        List.of(backend("10.0.13.1", 80, 1), backend("10.0.13.2", 80, 2)), Map.of("check", "http"),
                        new HealthCheck(Type.HTTP, 0, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_OPEN, "/", 200, 399, "", "")),
                service(17, 1, "legacy", "203.0.113.17", 25, Protocol.TCP,
                        List.of(backend("10.0.17.1", 25, 1), backend("10.0.17.2", 25, 2)), Map.of("check", "tcp"),
                        new HealthCheck(Type.TCP, 0, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "", 200, 399, "", "")),
                service(2, 1, "dns", "192.0.2.53", 53, Protocol.UDP,
                        List.of(backend("10.0.2.1", 53, 1), backend("10.0.2.2", 5353, 65535)), Map.of(), null),
                service(4, 1, "tcp-up-open", "203.0.113.4", 443, Protocol.TCP,
                        List.of(backend("10.0.4.1", 443, 1), backend("10.0.4.2", 443, 2)), Map.of("check", "tcp"),
                        new HealthCheck(Type.TCP, 0, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "", 200, 399, "", ""))));
    }

    @Test
    void aFormatOneJournalUpgradedToFormatTwoRestoresFieldByField() {
        Restored restored = restore(FORMAT_ONE, 3, 4, 7, "snapshot-00000000000000000003.snap",
                "segment-00000000000000000004.wal", "segment-00000000000000000006.wal");

        assertThat(restored.snapshot()[0]).as("the snapshot is format 1 (no format byte)").isZero();
        assertThat(restored.records()).extracting(r -> (int) r.payload()[0]).as("format of records 4 to 7")
                .containsExactly(0, 0, 2, 2);
        assertServices(restored.services(), List.of(
                service(101, 2, "shop", "192.0.2.80", 80, Protocol.TCP,
                        List.of(backend("10.1.0.1", 8080, 4), backend("10.1.0.2", 8080, 0),
                                backend("10.1.0.3", 8080, 65535)),
                        Map.of("app", "shop", "tier", "web"), null),
                service(102, 2, "resolver", "192.0.2.54", 53, Protocol.UDP, List.of(backend("10.1.1.1", 53, 1)),
                        Map.of(),
                        new HealthCheck(Type.UDP, 0, ms(2000), ms(1000), 2, 3, InitialState.DOWN,
                                WhenAllDown.FAIL_CLOSED, "", 200, 399, "ping", "pong")),
                service(104, 1, "api", "192.0.2.82", 443, Protocol.TCP,
                        List.of(backend("10.1.3.1", 8443, 2), backend("10.1.3.2", 8443, 3)), Map.of("app", "api"),
                        new HealthCheck(Type.HTTPS, 0, ms(2000), ms(1000), 2, 3, InitialState.UP,
                                WhenAllDown.FAIL_OPEN, "/health", 200, 399, "", ""))));
    }

    /**
     * Reading is half of it: today's writer must write what the golden format-2 payloads hold, so journals written
     * from now on mean the same to the daemons that wrote these. Format 5 differs from format 2 only in the format
     * byte, the family byte before each address and the removal and selection policies after each service
     * (JournalCodec's comment), so, those put back, byte for byte.
     */
    @Test
    void todaysWriterWritesEveryGoldenFormatTwoPayloadByteForByte() {
        Restored everyVariant = restore(EVERY_VARIANT, 8, 9, 15, "snapshot-00000000000000000008.snap",
                "segment-00000000000000000009.wal", "segment-00000000000000000014.wal");
        Restored upgraded = restore(FORMAT_ONE, 3, 4, 7, "snapshot-00000000000000000003.snap",
                "segment-00000000000000000004.wal", "segment-00000000000000000006.wal");

        List<Service> state = JournalCodec.readState(everyVariant.snapshot());
        assertThat(JournalCodec.readState(JournalCodec.state(state))).as("snapshot 8 read back").isEqualTo(state);
        assertThat(formatTwo(JournalCodec.state(state), everyVariant.snapshot(), addresses(state), state.size()))
                .as("snapshot 8")
                .isEqualTo(everyVariant.snapshot());
        List<JournalRecord> formatTwo = new ArrayList<>(everyVariant.records());
        formatTwo.addAll(upgraded.records().subList(2, 4));
        for (JournalRecord record : formatTwo) {
            JournalCodec.Change change = JournalCodec.readChange(record.payload());
            byte[] today = JournalCodec.change(change);
            assertThat(today[0]).as("format written today").isEqualTo((byte) JournalCodec.FORMAT);
            assertThat(JournalCodec.readChange(today)).as("record %d read back", record.seq()).isEqualTo(change);
            assertThat(formatTwo(today, record.payload(), addresses(change.puts()), change.puts().size()))
                    .as("record %d", record.seq())
                    .isEqualTo(record.payload());
        }
    }

    /**
     * A payload of today's format of IPv4 addresses, KEEP and RANDOM services without affinity only, as format 2
     * wrote it: format byte 2, without the family byte (4) before each address and the tail after each service that
     * is all zeros for them (the policy byte, 0 KEEP, and format 5's selection policy: scheduler 0, table size 0
     * u32, affinity 0, timeout 0 u32; eleven zeros). Found by walking both payloads: where they differ, today's
     * holds a 4 or a 0 that format 2 does not, and there are as many 4s as addresses and eleven 0s per service.
     */
    private static byte[] formatTwo(byte[] today, byte[] formatTwoExpected, int addresses, int services) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(2);
        int tags = 0;
        int policies = 0;
        for (int i = 1, j = 1; i < today.length; i++) {
            if (j < formatTwoExpected.length && today[i] == formatTwoExpected[j]) {
                out.write(today[i]);
                j++;
            } else {
                assertThat(today[i]).as("byte %d of today's format: a family tag or a zero of the tail", i).isIn((byte) 4,
                        (byte) 0);
                if (today[i] == 4) {
                    tags++;
                } else {
                    policies++;
                }
            }
        }
        assertThat(tags).as("family tags").isEqualTo(addresses);
        assertThat(policies).as("zeros of KEEP, RANDOM and no affinity").isEqualTo(services * TAIL_ZEROS);
        return out.toByteArray();
    }

    /** The VIP and every backend's address. */
    private static int addresses(List<Service> services) {
        return services.stream().mapToInt(s -> 1 + s.backends().size()).sum();
    }

    /** What the journal recovered (before the registry consumed it) and the services the registry restored. */
    private record Restored(byte[] snapshot, List<JournalRecord> records, Map<String, Service> services) {
    }

    /**
     * Copies the golden files into a fresh journal directory, opens it and checks it recovered the snapshot of
     * record snapshotSeq and records first to last, cutting nothing; then restores a registry from it.
     */
    private static Restored restore(String golden, long snapshotSeq, long first, long last, String... files) {
        Map<String, byte[]> bytes = golden(golden, files);
        Path dir = copy(golden, bytes);
        MemoryDatapath maps = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            JournalStatus status = journal.status();
            assertThat(status.snapshotSeq()).as("the snapshot recovered").isEqualTo(snapshotSeq);
            assertThat(status.lastSeq()).as("the last record").isEqualTo(last);
            byte[] snapshot = journal.recoveredSnapshot();
            List<JournalRecord> records = journal.recoveredRecords();
            assertThat(snapshot).as("a snapshot was recovered").isNotNull();
            assertThat(records).extracting(JournalRecord::seq).as("the records replayed after it")
                    .containsExactlyElementsOf(LongStream.rangeClosed(first, last).boxed().toList());
            bytes.forEach((file, content) -> assertThat(dir.resolve(file)).as("%s opened as it was", file)
                    .hasBinaryContent(content));
            try (ServiceRegistry registry = new ServiceRegistry(maps, journal, true, Duration.ofSeconds(30))) {
                Map<String, Service> services = new HashMap<>();
                registry.byName().values().forEach(s -> services.put(s.id(), s));
                assertThat(registry.firstReconcile().join().added()).as("every service fits the maps")
                        .isEqualTo(services.size());
                return new Restored(snapshot, records, services);
            }
        }
    }

    /** The golden files' bytes, by name. */
    private static Map<String, byte[]> golden(String golden, String... files) {
        Map<String, byte[]> bytes = new TreeMap<>();
        for (String file : files) {
            bytes.put(file, resource("/journal/" + golden + "/" + file));
        }
        return bytes;
    }

    /** A fresh journal directory holding the files. */
    private static Path copy(String golden, Map<String, byte[]> bytes) {
        Path dir = TestJournals.freshDir("golden-" + golden);
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> file : bytes.entrySet()) {
                Files.write(dir.resolve(file.getKey()), file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static byte[] resource(String name) {
        try (InputStream in = GoldenJournalsTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exactly the expected services, compared field by field so a failure names the field that changed. */
    private static void assertServices(Map<String, Service> actual, List<Service> expected) {
        assertThat(actual.keySet()).as("the ids restored")
                .containsExactlyInAnyOrderElementsOf(expected.stream().map(Service::id).toList());
        SoftAssertions soft = new SoftAssertions();
        for (Service want : expected) {
            Service got = actual.get(want.id());
            String at = want.id() + " (" + want.name() + ") ";
            soft.assertThat(got.version()).as(at + "version").isEqualTo(want.version());
            soft.assertThat(got.name()).as(at + "name").isEqualTo(want.name());
            soft.assertThat(got.key().vip()).as(at + "vip").isEqualTo(want.key().vip());
            soft.assertThat(got.key().port()).as(at + "port").isEqualTo(want.key().port());
            soft.assertThat(got.key().protocol()).as(at + "protocol").isEqualTo(want.key().protocol());
            soft.assertThat(got.backends()).as(at + "backends").containsExactlyElementsOf(want.backends());
            soft.assertThat(got.content().labels()).as(at + "labels")
                    .containsExactlyEntriesOf(want.content().labels());
            HealthCheck check = got.content().healthCheck();
            HealthCheck wanted = want.content().healthCheck();
            if (wanted == null) {
                soft.assertThat(check).as(at + "health check").isNull();
            } else if (check == null) {
                soft.fail(at + "health check: expected " + wanted + " but there is none");
            } else {
                soft.assertThat(check.type()).as(at + "check type").isEqualTo(wanted.type());
                soft.assertThat(check.port()).as(at + "check port").isEqualTo(wanted.port());
                soft.assertThat(check.interval()).as(at + "check interval").isEqualTo(wanted.interval());
                soft.assertThat(check.timeout()).as(at + "check timeout").isEqualTo(wanted.timeout());
                soft.assertThat(check.rise()).as(at + "check rise").isEqualTo(wanted.rise());
                soft.assertThat(check.fall()).as(at + "check fall").isEqualTo(wanted.fall());
                soft.assertThat(check.initialState()).as(at + "check initialState")
                        .isEqualTo(wanted.initialState());
                soft.assertThat(check.whenAllDown()).as(at + "check whenAllDown").isEqualTo(wanted.whenAllDown());
                soft.assertThat(check.path()).as(at + "check path").isEqualTo(wanted.path());
                soft.assertThat(check.statusMin()).as(at + "check statusMin").isEqualTo(wanted.statusMin());
                soft.assertThat(check.statusMax()).as(at + "check statusMax").isEqualTo(wanted.statusMax());
                soft.assertThat(check.send()).as(at + "check send").isEqualTo(wanted.send());
                soft.assertThat(check.expect()).as(at + "check expect").isEqualTo(wanted.expect());
            }
            soft.assertThat(got.content().onBackendRemoval()).as(at + "onBackendRemoval")
                    .isEqualTo(want.content().onBackendRemoval());
            soft.assertThat(got.content().selection()).as(at + "selection").isEqualTo(want.content().selection());
            soft.assertThat(got).as(at + "as a whole").isEqualTo(want);
        }
        soft.assertAll();
    }

    private static Service service(int id, long version, String name, String vip, int port, Protocol protocol,
            List<Backend> backends, Map<String, String> labels, HealthCheck check) {
        return new Service(id(id), version, new ServiceConfig(name, new ServiceKey(ip(vip), port, protocol), backends,
                new TreeMap<>(labels), check));
    }

    private static String id(int n) {
        return String.format("svc-%010d", n);
    }

    private static String[] ids(int... ns) {
        return Arrays.stream(ns).mapToObj(GoldenJournalsTest::id).toArray(String[]::new);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

}
