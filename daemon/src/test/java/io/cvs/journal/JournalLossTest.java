package io.cvs.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/**
 * The journal's files removed or replaced while it runs: a batch written into a file that is no longer the
 * journal's is refused, the journal rebuilds itself from the acknowledged state, and everything acknowledged is on
 * disk where the next start reads it. Also the journal's id (package comment, "Identity").
 */
class JournalLossTest {

    /** The "state" the committer would hand over: here, every payload acknowledged so far, joined. */
    private final List<String> acknowledged = new ArrayList<>();

    private Journal open(Path dir) {
        Journal journal = Journal.open(dir, TestJournals.DEFAULTS);
        journal.rebuildFrom(() -> String.join(",", acknowledged).getBytes(UTF_8));
        return journal;
    }

    private void append(Journal journal, String... payloads) {
        journal.append(Stream.of(payloads).map(p -> p.getBytes(UTF_8)).toList());
        acknowledged.addAll(List.of(payloads));
    }

    /** What a restart reads: the snapshot's state, then the records after it. */
    private static List<String> restored(Path dir) {
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            List<String> state = new ArrayList<>();
            if (journal.recoveredSnapshot() != null) {
                String snapshot = new String(journal.recoveredSnapshot(), UTF_8);
                state.addAll(snapshot.isEmpty() ? List.of() : List.of(snapshot.split(",")));
            }
            journal.recoveredRecords().forEach(r -> state.add(new String(r.payload(), UTF_8)));
            return state;
        }
    }

    private static Path activeSegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".wal")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    @Test
    void aBatchWrittenIntoAnUnlinkedSegmentIsRefusedAndTheJournalRebuildsItself() throws IOException {
        Path dir = TestJournals.freshDir("unlinked-segment");
        try (Journal journal = open(dir)) {
            append(journal, "one", "two");
            Files.delete(activeSegment(dir));

            assertThatThrownBy(() -> journal.append(List.of("three".getBytes(UTF_8))))
                    .isInstanceOf(JournalWriteException.class)
                    .hasMessageContaining("was removed").hasMessageContaining("not acknowledged");
            assertThat(Files.exists(dir.resolve("snapshot-00000000000000000002.snap"))).isTrue();

            append(journal, "three");
            assertThat(journal.status().writable()).isTrue();
            assertThat(journal.lastSeq()).isEqualTo(3);
        }
        assertThat(restored(dir)).containsExactly("one", "two", "three");
    }

    @Test
    void aSegmentReplacedByAnotherFileIsNoticed() throws IOException {
        Path dir = TestJournals.freshDir("replaced-segment");
        try (Journal journal = open(dir)) {
            append(journal, "one");
            Path segment = activeSegment(dir);
            Path copy = dir.resolve("copy");
            Files.copy(segment, copy);
            Files.move(copy, segment, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

            assertThatThrownBy(() -> journal.append(List.of("two".getBytes(UTF_8))))
                    .isInstanceOf(JournalWriteException.class).hasMessageContaining("replaced by another file");
            append(journal, "two");
        }
        assertThat(restored(dir)).containsExactly("one", "two");
    }

    @Test
    void aRemovedDirectoryIsCreatedAgainWithTheSameId() throws IOException {
        Path dir = TestJournals.freshDir("removed-dir");
        String id;
        try (Journal journal = open(dir)) {
            id = journal.id();
            append(journal, "one", "two");
            FileSystemUtils.deleteRecursively(dir);

            assertThatThrownBy(() -> journal.append(List.of("three".getBytes(UTF_8))))
                    .isInstanceOf(JournalWriteException.class).hasMessageContaining("was removed");
            assertThat(Files.isDirectory(dir)).isTrue();
            append(journal, "three");
        }
        assertThat(restored(dir)).containsExactly("one", "two", "three");
        try (Journal reopened = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(reopened.id()).isEqualTo(id);
        }
    }

    @Test
    void whileTheRebuildFailsEveryWriteIsRefusedAndHealthSaysWhy() throws IOException {
        Path dir = TestJournals.freshDir("replaced-dir");
        Path other = TestJournals.freshDir("other-journal");
        try (Journal another = Journal.open(other, TestJournals.DEFAULTS)) {
            another.append(List.of("theirs".getBytes(UTF_8)));
        }
        try (Journal journal = open(dir)) {
            append(journal, "one");
            Path aside = dir.resolveSibling("aside");
            Files.move(dir, aside);
            Files.move(other, dir);

            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> journal.append(List.of("two".getBytes(UTF_8))))
                        .isInstanceOf(JournalWriteException.class);
            }
            JournalStatus status = journal.status();
            assertThat(status.writable()).isFalse();
            assertThat(status.lastFailure()).contains("replaced by another directory")
                    .contains("does not write into another journal");
            assertThat(journal.lastSeq()).isEqualTo(1);
        }
        assertThat(restored(dir)).containsExactly("theirs");
    }

    @Test
    void aJournalGetsAnIdOnceAndKeepsIt() throws IOException {
        Path dir = TestJournals.freshDir("id");
        String id;
        try (Journal journal = open(dir)) {
            id = journal.id();
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(journal.status().id()).isEqualTo(id);
        }
        assertThat(Files.readString(dir.resolve("journal-id")).trim()).isEqualTo(id);
        try (Journal journal = open(dir)) {
            assertThat(journal.id()).isEqualTo(id);
        }
        try (Journal other = TestJournals.open("another-id")) {
            assertThat(other.id()).isNotEqualTo(id);
        }
    }

    @Test
    void aJournalWithoutAnIdIsGivenOneAndKeepsItsRecords() throws IOException {
        Path dir = TestJournals.freshDir("no-id");
        try (Journal journal = open(dir)) {
            append(journal, "one");
        }
        Files.delete(dir.resolve("journal-id"));
        assertThat(restored(dir)).containsExactly("one");
        assertThat(Files.readString(dir.resolve("journal-id")).trim()).matches("[0-9a-f]{32}");
    }

    @Test
    void aDamagedIdIsRefusedSayingWhatToDo() throws IOException {
        Path dir = TestJournals.freshDir("bad-id");
        try (Journal journal = open(dir)) {
            append(journal, "one");
        }
        Files.writeString(dir.resolve("journal-id"), "not an id\n");
        assertThatThrownBy(() -> Journal.open(dir, TestJournals.DEFAULTS)).isInstanceOf(JournalException.class)
                .hasMessageContaining("journal-id").hasMessageContaining("damaged")
                .satisfies(e -> assertThat(((JournalException) e).action()).contains("prune=true"));
    }

    /**
     * The check before each acknowledgement: two stat calls. Measured here (not asserted beyond a generous bound,
     * since CI machines vary): on the 2-vCPU development machine it costs a few microseconds per batch, against an
     * fdatasync of tens of microseconds to milliseconds.
     */
    @Test
    void theLivenessCheckCostsMicroseconds() throws IOException {
        Path dir = TestJournals.freshDir("check-cost");
        try (Journal journal = open(dir)) {
            append(journal, "one");
            JournalDirectory locked = JournalDirectory.lock(TestJournals.freshDir("check-cost-dir"));
            try {
                Path file = locked.segment(1);
                Files.write(file, new byte[] { 1 });
                Object key = JournalDirectory.fileKey(file);
                int rounds = 20_000;
                for (int i = 0; i < rounds; i++) {
                    assertThat(locked.whyNotLive(file, key)).isNull();
                }
                long started = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    locked.whyNotLive(file, key);
                }
                double micros = (System.nanoTime() - started) / 1_000.0 / rounds;
                System.out.printf("journal liveness check: %.2f us per batch%n", micros);
                assertThat(micros).isLessThan(500);
            } finally {
                locked.close();
            }
        }
    }
}
