package io.cvs.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The journal's directory: its lock, its file names, and writing a file so that a crash never half-creates it. */
final class JournalDirectory implements AutoCloseable {

    private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{20})\\.wal");
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{20})\\.snap");
    private static final DateTimeFormatter ASIDE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

    private final Path dir;
    private FileChannel lockFile;
    private FileLock lock;
    /** The identity (device and inode) of the directory the daemon locked: a replaced one has another. */
    private Object dirKey;
    private Object lockFileKey;

    private JournalDirectory(Path dir, FileChannel lockFile, FileLock lock, Object dirKey) {
        this.dir = dir;
        this.lockFile = lockFile;
        this.lock = lock;
        this.dirKey = dirKey;
    }

    /** Creates the directory (0700) when missing and takes its lock, or refuses naming who holds it. */
    static JournalDirectory lock(Path dir) {
        FileChannel channel = null;
        try {
            createIfMissing(dir);
            channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = takeLock(dir, channel);
            JournalDirectory locked = new JournalDirectory(dir, channel, lock, fileKey(dir));
            locked.lockFileKey = fileKey(dir.resolve("lock"));
            return locked;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new JournalException("The journal directory " + dir + " cannot be used: "
                    + JournalWriteException.describe(e), "Check that it is a directory the daemon can write.", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void createIfMissing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** The lock of channel (the directory's lock file), holding this pid, or a refusal naming who holds it. */
    private static FileLock takeLock(Path dir, FileChannel channel) throws IOException {
        FileLock lock = tryLock(channel);
        if (lock == null) {
            String holder = new String(Files.readAllBytes(dir.resolve("lock")), StandardCharsets.US_ASCII).trim();
            throw new JournalException("The journal directory " + dir + " is in use by another cvs daemon"
                    + (holder.isEmpty() ? "" : " (pid " + holder + ")"),
                    "Only one daemon may write a journal: stop the other one, or give this one another "
                            + "directory (cvs.journal.dir) and another map set (cvs.bpf.pin-dir).", null);
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
                0);
        return lock;
    }

    /** The file's identity (device and inode, {@link BasicFileAttributes#fileKey}), not following a link. */
    static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /**
     * Null when the open file whose identity is segmentKey is still linked at segment in the directory the daemon
     * locked; else what happened to it. Two stat calls: cheap enough before every acknowledgement.
     */
    String whyNotLive(Path segment, Object segmentKey) {
        try {
            if (!dirKey.equals(fileKey(dir))) {
                return "the journal directory " + dir + " was replaced by another directory";
            }
        } catch (IOException e) {
            return "the journal directory " + dir + " was removed (" + JournalWriteException.describe(e) + ")";
        }
        try {
            return segmentKey.equals(fileKey(segment)) ? null
                    : "the active journal segment " + segment + " was replaced by another file";
        } catch (IOException e) {
            return "the active journal segment " + segment + " was removed";
        }
    }

    /**
     * After the directory or its files were removed behind the daemon's back: creates the directory again when it
     * is missing and takes the lock again on a lock file that is linked in it. Refuses (IOException) a directory
     * that replaced the locked one and holds journal files: those are another journal's (or an older copy of
     * this one), and writing into them would mix two histories; the operator decides (docs/design.md).
     */
    void lockAgain() throws IOException {
        createIfMissing(dir);
        Object key = fileKey(dir);
        if (!key.equals(dirKey) && (!segments().isEmpty() || !snapshots().isEmpty())) {
            throw new IOException("the journal directory " + dir + " was replaced by one holding other journal "
                    + "files; the daemon does not write into another journal");
        }
        Path lockPath = dir.resolve("lock");
        boolean linked;
        try {
            linked = fileKey(lockPath).equals(lockFileKey);
        } catch (IOException gone) {
            linked = false;
        }
        if (!linked) {
            FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock taken;
            try {
                taken = takeLock(dir, channel);
            } catch (JournalException heldByAnother) {
                closeQuietly(channel);
                throw new IOException(heldByAnother.getMessage());
            } catch (IOException e) {
                closeQuietly(channel);
                throw e;
            }
            close();
            lockFile = channel;
            lock = taken;
            lockFileKey = fileKey(lockPath);
        }
        dirKey = key;
        sync();
    }


    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return null;
        }
    }

    Path path() {
        return dir;
    }

    Path segment(long firstSeq) {
        return dir.resolve(String.format("segment-%020d.wal", firstSeq));
    }

    Path snapshot(long seq) {
        return dir.resolve(String.format("snapshot-%020d.snap", seq));
    }

    /** Segments by the sequence number of their first record. */
    NavigableMap<Long, Path> segments() {
        return numbered(SEGMENT);
    }

    /** Snapshots by the sequence number of their last record. */
    NavigableMap<Long, Path> snapshots() {
        return numbered(SNAPSHOT);
    }

    /** Removes temp files of writes that a crash interrupted: they were never renamed in, so never counted. */
    void removeTempFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.delete(file);
            }
        }
    }

    /**
     * Writes target as temp file, syncs it, renames it in (replacing what was there) and syncs the directory, so
     * after a crash target holds either everything or its old content. Returns the file open for writing at its
     * end when keepOpen, else null.
     */
    FileChannel writeAtomically(Path target, ByteBuffer content, boolean keepOpen) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (content.hasRemaining()) {
                out.write(content);
            }
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        sync();
        if (!keepOpen) {
            return null;
        }
        FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE);
        channel.position(channel.size());
        return channel;
    }

    /** Makes renames and removals in the directory durable. */
    void sync() throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** Copies file to {@code <name>.damaged-<time>} beside it, so a repair never destroys evidence. */
    Path copyAside(Path file) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + LocalDateTime.now().format(ASIDE_TIME));
        Files.copy(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }

    private NavigableMap<Long, Path> numbered(Pattern pattern) {
        NavigableMap<Long, Path> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = pattern.matcher(f.getFileName().toString());
                if (m.matches()) {
                    found.put(Long.parseLong(m.group(1)), f);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it too.
        }
        closeQuietly(lockFile);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing left to do with it.
        }
    }
}
