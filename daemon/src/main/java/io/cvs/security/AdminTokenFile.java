package io.cvs.security;

import io.cvs.system.StartupRefusedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The admin token kept in a file that only the daemon's user can read (0600), for when none is configured: made at
 * first start, reused after. The file and its directory must meet {@link TokenFiles}' rules before the token is
 * read or written: a file another user made first, a file others can read, a link, or a directory others can write
 * stops the daemon rather than being adopted or repaired behind the operator's back.
 */
final class AdminTokenFile {

    /** The token, and whether this call created the file. */
    record Token(String value, boolean created) {

        @Override
        public String toString() {
            return "Token[created=" + created + "]";
        }
    }

    private static final int RANDOM_BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminTokenFile() {
    }

    static Token readOrCreate(Path file, TokenFiles rules) {
        String what = "The admin token file " + file;
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            }
            rules.requireSafeDirectory(dir, what);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    return new Token(create(file), true);
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first: use theirs if it meets the rules
                }
            }
            String token = rules.read(file, what);
            if (token.length() < ApiTokens.MIN_LENGTH) {
                throw new StartupRefusedException(what + " holds no token of at least " + ApiTokens.MIN_LENGTH
                        + " characters.", "Remove it; a new token is made at start.");
            }
            return new Token(token, false);
        } catch (IOException e) {
            throw new UncheckedIOException("admin token file " + file, e);
        }
    }

    /**
     * O_CREAT|O_EXCL with mode 0600 from the start: there is no moment when the token is readable by others, and a
     * file or link someone put there first is never written through.
     */
    private static String create(Path file) throws IOException {
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
        try (FileChannel out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            out.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
            out.force(true);
        }
        return token;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
