package io.cvs.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The journal's id (package comment, "Identity"): 128 random bits, written once to {@code journal-id} as 32
 * lowercase hex digits. The maps record it with the last record applied, so a daemon can tell at start whether
 * its journal is the one that fed them.
 */
final class JournalIdentity {

    static final String FILE = "journal-id";
    private static final SecureRandom RANDOM = new SecureRandom();

    private JournalIdentity() {
    }

    /**
     * The id in dir, or a new one written there when the file is missing (a new journal, or one a version without
     * ids wrote: it gets one on its first open by this version). Refuses a damaged file.
     */
    static String readOrCreate(JournalDirectory dir) throws IOException {
        Path file = dir.path().resolve(FILE);
        if (Files.exists(file)) {
            String id = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
            if (!valid(id)) {
                throw new JournalException("The journal id file " + file + " is damaged: it holds \"" + id
                        + "\", not 32 lowercase hex digits",
                        "Remove it to give the journal a new id. The maps then name another journal, so the daemon "
                                + "keeps every service they hold until you confirm with POST "
                                + "/api/v1/datapath/reconcile?prune=true (docs/design.md).", null);
            }
            return id;
        }
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        write(dir, id);
        return id;
    }

    /** Whether dir holds an id file (rebuilding a removed directory writes the id it had). */
    static boolean present(JournalDirectory dir) {
        return Files.exists(dir.path().resolve(FILE));
    }

    /** Writes id atomically: a crash leaves the old file or the new one. */
    static void write(JournalDirectory dir, String id) throws IOException {
        dir.writeAtomically(dir.path().resolve(FILE),
                ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII)), false);
    }

    private static boolean valid(String id) {
        return id.length() == 32 && id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
