package io.cvs.security;

import io.cvs.system.StartupRefusedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * The admin token kept in a file that only its owner can read (0600), for when none is configured: made at first
 * start, reused after. A file that others can read, or that holds no usable token, stops the daemon rather than
 * being repaired behind the operator's back.
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
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminTokenFile() {
    }

    static Token readOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                try {
                    return new Token(create(file), true);
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first: use theirs
                }
            }
            return new Token(read(file), false);
        } catch (IOException e) {
            throw new UncheckedIOException("admin token file " + file, e);
        }
    }

    /** O_EXCL with mode 0600 from the start: there is no moment when the token is readable by others. */
    private static String create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        }
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
        try (FileChannel out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
            out.write(ByteBuffer.wrap((token + "\n").getBytes(StandardCharsets.US_ASCII)));
            out.force(true);
        }
        return token;
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new StartupRefusedException("The admin token file " + file + " is not a regular file.",
                    "Remove it (a new token is made at start) or set cvs.security.token-file elsewhere.");
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(OTHERS::contains)) {
            throw new StartupRefusedException("The admin token file " + file + " is accessible to others ("
                    + PosixFilePermissions.toString(permissions) + "), so the token may be known.",
                    "Remove the file to make a new token at start, or, if it is safe, chmod 600 " + file + ".");
        }
        String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (token.length() < ApiTokens.MIN_LENGTH) {
            throw new StartupRefusedException("The admin token file " + file + " holds no token of at least "
                    + ApiTokens.MIN_LENGTH + " characters.", "Remove it; a new token is made at start.");
        }
        return token;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
