package io.cvs.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reader on bytes, table-driven: a journal of three records ("one", "two", "three") is written, its segment
 * damaged as each row says, and reopened. Torn tails lose only the damaged last record and cut the file there;
 * damage followed by valid records refuses to open and says how to repair.
 */
class JournalFilesTest {

    private static final List<String> RECORDS = List.of("one", "two", "three");

    /** A change to the segment's bytes, given the byte offset where each record's frame starts. */
    private interface Damage {
        byte[] apply(byte[] file, List<Integer> frameStarts);
    }

    private record Row(String name, Damage damage, List<String> survivors, Integer cutAtFrame) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> tornTails() {
        return Stream.of(
                new Row("undamaged", (f, s) -> f, RECORDS, null),
                new Row("empty file", (f, s) -> new byte[0], List.of(), null),
                new Row("truncated header", (f, s) -> Arrays.copyOf(f, 11), List.of(), null),
                new Row("header only", (f, s) -> Arrays.copyOf(f, 20), List.of(), null),
                new Row("truncated frame prefix", (f, s) -> Arrays.copyOf(f, s.get(2) + 5), RECORDS.subList(0, 2), 2),
                new Row("truncated payload", (f, s) -> Arrays.copyOf(f, f.length - 2), RECORDS.subList(0, 2), 2),
                new Row("bit flip in the last payload", (f, s) -> flip(f, f.length - 1), RECORDS.subList(0, 2), 2),
                new Row("bit flip in the last length", (f, s) -> flip(f, s.get(2) + 3), RECORDS.subList(0, 2), 2),
                new Row("zero-filled tail", (f, s) -> Arrays.copyOf(f, f.length + 4096), RECORDS, 3),
                new Row("garbage tail", (f, s) -> concat(f, "not a frame at all".getBytes(StandardCharsets.US_ASCII)),
                        RECORDS, 3))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tornTails")
    void aTornTailLosesOnlyWhatWasNeverWholeAndIsCutAway(Row row) throws IOException {
        Path dir = TestJournals.freshDir("torn");
        List<Integer> starts = writeRecords(dir);
        Path segment = onlySegment(dir);
        byte[] damaged = row.damage().apply(Files.readAllBytes(segment), starts);
        Files.write(segment, damaged);

        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(payloads(journal)).isEqualTo(row.survivors());
            if (row.cutAtFrame() != null) {
                assertThat(Files.size(segment)).as("cut where the first bad frame starts")
                        .isEqualTo((long) starts.get(row.cutAtFrame()));
            }
            journal.append(List.of(bytes("four")));
        }
        try (Journal reopened = Journal.open(dir, TestJournals.DEFAULTS)) {
            List<String> expected = new ArrayList<>(row.survivors());
            expected.add("four");
            assertThat(payloads(reopened)).as("appends go on after the survivors").isEqualTo(expected);
        }
    }

    static Stream<Arguments> corruption() {
        return Stream.of(
                Arguments.of("bit flip in the first payload", (Damage) (f, s) -> flip(f, s.get(1) - 1), 0),
                Arguments.of("bit flip in the second checksum", (Damage) (f, s) -> flip(f, s.get(1) + 5), 1),
                Arguments.of("zeroed second frame", (Damage) (f, s) -> zero(f, s.get(1), s.get(2)), 1),
                Arguments.of("damaged header", (Damage) (f, s) -> flip(f, 3), -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruption")
    void damageFollowedByValidRecordsRefusesToStartAndSaysHowToRepair(String name, Damage damage, int badFrame)
            throws IOException {
        Damaged journal = Damaged.write("corrupt", damage);
        int offset = badFrame < 0 ? 0 : journal.starts().get(badFrame);

        assertThatThrownBy(() -> Journal.open(journal.dir(), TestJournals.DEFAULTS))
                .isInstanceOfSatisfying(JournalException.class, e -> {
                    assertThat(e.getMessage()).contains(journal.segment().toString(), "damaged at byte " + offset,
                            "followed by valid records");
                    assertThat(e.action()).contains("--cvs.journal.repair=true", "Back up " + journal.dir());
                });
        assertThat(Files.readAllBytes(journal.segment())).as("refusing changes nothing")
                .isEqualTo(journal.bytes());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruption")
    void repairSetsTheFileAsideAndKeepsTheRecordsBeforeTheDamage(String name, Damage damage, int badFrame)
            throws IOException {
        Damaged damagedJournal = Damaged.write("repair", damage);
        Path dir = damagedJournal.dir();
        byte[] damaged = damagedJournal.bytes();

        try (Journal journal = Journal.open(dir, new JournalOptions(10_000, 1 << 20, true))) {
            assertThat(payloads(journal)).isEqualTo(RECORDS.subList(0, Math.max(badFrame, 0)));
            journal.append(List.of(bytes("four")));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().contains(".damaged-")).toList())
                    .singleElement().satisfies(aside -> assertThat(Files.readAllBytes(aside)).isEqualTo(damaged));
        }
        try (Journal reopened = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(payloads(reopened)).last().isEqualTo("four");
        }
    }

    @Test
    void journalWithoutSnapshotReplaysEveryRecord() throws IOException {
        Path dir = TestJournals.freshDir("no-snapshot");
        writeRecords(dir);
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(journal.recoveredSnapshot()).isNull();
            assertThat(payloads(journal)).isEqualTo(RECORDS);
            assertThat(journal.status().lastSeq()).isEqualTo(3);
        }
    }

    @Test
    void snapshotWithoutJournalIsTheWholeState() throws IOException {
        Path dir = TestJournals.freshDir("snapshot-only");
        withJournal(dir, j -> {
            j.append(List.of(bytes("one"), bytes("two")));
            j.snapshot(bytes("state after two"));
        });
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segment : files.filter(f -> f.toString().endsWith(".wal")).toList()) {
                Files.delete(segment);
            }
        }
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(new String(journal.recoveredSnapshot(), StandardCharsets.UTF_8)).isEqualTo("state after two");
            assertThat(payloads(journal)).isEmpty();
            assertThat(journal.status().lastSeq()).isEqualTo(2);
            journal.append(List.of(bytes("three")));
            assertThat(journal.status().lastSeq()).isEqualTo(3);
        }
    }

    @Test
    void aSnapshotRemovesTheSegmentsItCoversAndRecoveryReplaysOnlyWhatFollows() throws IOException {
        Path dir = TestJournals.freshDir("snapshot");
        withJournal(dir, j -> {
            j.append(List.of(bytes("one"), bytes("two")));
            j.snapshot(bytes("state after two"));
            j.append(List.of(bytes("three")));
        });
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> !n.equals("lock")).sorted())
                    .containsExactly("journal-id", "segment-00000000000000000003.wal",
                            "snapshot-00000000000000000002.snap");
        }
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(new String(journal.recoveredSnapshot(), StandardCharsets.UTF_8)).isEqualTo("state after two");
            assertThat(payloads(journal)).containsExactly("three");
        }
    }

    @Test
    void aDamagedSnapshotRefusesToStart() throws IOException {
        Path dir = TestJournals.freshDir("bad-snapshot");
        withJournal(dir, j -> {
            j.append(List.of(bytes("one")));
            j.snapshot(bytes("state after one"));
        });
        Path snapshot = dir.resolve("snapshot-00000000000000000001.snap");
        byte[] file = Files.readAllBytes(snapshot);
        Files.write(snapshot, flip(file, file.length - 1));

        assertThatThrownBy(() -> Journal.open(dir, TestJournals.DEFAULTS)).isInstanceOf(JournalException.class)
                .hasMessageContaining("snapshot " + snapshot + " is damaged");
    }

    @Test
    void missingRecordsBetweenSegmentsRefuseToStart() throws IOException {
        Path dir = TestJournals.freshDir("gap");
        writeRecords(dir);
        Files.write(dir.resolve("segment-00000000000000000005.wal"), Frames.header(Frames.SEGMENT_MAGIC, 5));

        assertThatThrownBy(() -> Journal.open(dir, TestJournals.DEFAULTS)).isInstanceOf(JournalException.class)
                .hasMessageContaining("has no records 4 to 4");
    }

    @Test
    void aSecondOpenOfOneDirectoryIsRefusedWhileTheFirstHoldsIt() {
        Path dir = TestJournals.freshDir("locked");
        try (Journal first = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThatThrownBy(() -> Journal.open(dir, TestJournals.DEFAULTS)).isInstanceOf(JournalException.class)
                    .hasMessageContaining("in use by another cvs daemon");
        }
        Journal.open(dir, TestJournals.DEFAULTS).close();
    }

    /**
     * Appends the three records one by one and returns where each frame starts in the one segment, and where a
     * fourth would (the end of the third).
     */
    private static List<Integer> writeRecords(Path dir) {
        withJournal(dir, j -> RECORDS.forEach(record -> j.append(List.of(bytes(record)))));
        List<Integer> starts = new ArrayList<>(List.of(Frames.HEADER_BYTES));
        RECORDS.forEach(record -> starts.add(starts.get(starts.size() - 1) + frameLength(record)));
        return starts;
    }

    private static int frameLength(String payload) {
        return Frames.FRAME_PREFIX_BYTES + Frames.BODY_MIN + payload.length();
    }

    /** A journal of the three records whose one segment now holds damaged bytes; starts are the frames' offsets. */
    private record Damaged(Path dir, Path segment, List<Integer> starts, byte[] bytes) {

        static Damaged write(String name, Damage damage) throws IOException {
            Path dir = TestJournals.freshDir(name);
            List<Integer> starts = writeRecords(dir);
            Path segment = onlySegment(dir);
            byte[] damaged = damage.apply(Files.readAllBytes(segment), starts);
            Files.write(segment, damaged);
            return new Damaged(dir, segment, starts, damaged);
        }
    }

    private static void withJournal(Path dir, Consumer<Journal> use) {
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            use.accept(journal);
        }
    }

    private static Path onlySegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".wal")).reduce((a, b) -> {
                throw new AssertionError("more than one segment: " + a + ", " + b);
            }).orElseThrow();
        }
    }

    private static List<String> payloads(Journal journal) {
        return journal.recoveredRecords().stream().map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] flip(byte[] file, int at) {
        byte[] copy = file.clone();
        copy[at] ^= 0x10;
        return copy;
    }

    private static byte[] zero(byte[] file, int from, int to) {
        byte[] copy = file.clone();
        Arrays.fill(copy, from, to, (byte) 0);
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
