package io.cvs.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A batch could not be written or synced (disk full, I/O error), or was written into a segment that was removed
 * or replaced meanwhile: none of it counts, the segment was cut back to its last good byte (or the journal is
 * being rebuilt), and the next batch tries again. Unchecked, since the caller answers every waiting writer.
 */
public final class JournalWriteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    JournalWriteException(Path dir, IOException cause) {
        super("Writing the journal in " + dir + " failed: " + describe(cause), cause);
    }

    /** The batch was written, but not where the journal lives any more (see {@link Journal#append}). */
    JournalWriteException(Path dir, String why) {
        super("Writing the journal in " + dir + " failed: " + why);
    }

    /** The exception's message, or its type when it has none (FileChannel says just "No space left on device"). */
    static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
