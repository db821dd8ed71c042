package io.cvs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A file that holds a token, read only when it meets the rules the daemon applies to its own token files (its
 * {@code io.cvs.security.TokenFiles}): it belongs to the user running cvsadm, nobody else may read or write it
 * (mode 0600 or stricter), it is a regular file and no link, and its directory is that user's or root's and nobody
 * else may write there (not even a sticky {@code /tmp}); directories above it may be writable by others only when
 * sticky. A file another user could have written holds a token cvsadm should not send: it may be theirs.
 * Each broken rule is one line and {@link ExitCode#UNSAFE_TOKEN_FILE}.
 */
final class TokenFile {

    private static final int ROOT = 0;
    private static final int GROUP_OR_OTHERS = 0077;
    private static final int WRITABLE_BY_GROUP_OR_OTHERS = 0022;
    private static final int STICKY = 01000;

    private TokenFile() {
    }

    /** The token, trimmed; {@code uid} is the user cvsadm runs as. */
    static String read(Path file, int uid) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliFailure(ExitCode.USAGE, "the token file " + file + " does not exist");
            }
            Path dir = file.toAbsolutePath().getParent().toRealPath();
            refuseIf(problemWithDirectory(dir, uid, true), file);
            for (Path above = dir.getParent(); above != null; above = above.getParent()) {
                refuseIf(problemWithDirectory(above, uid, false), file);
            }
            refuseIf(problemWithFile(file, uid), file);
            String token;
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                token = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (token.isEmpty()) {
                throw new CliFailure(ExitCode.USAGE, "the token file " + file + " is empty");
            }
            return token;
        } catch (NoSuchFileException e) {
            throw new CliFailure(ExitCode.USAGE, "the token file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new CliFailure(ExitCode.USAGE, "the token file " + file + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new CliFailure(ExitCode.USAGE, "cannot read the token file " + file + " (" + e.getMessage() + ")");
        }
    }

    private static void refuseIf(String problem, Path file) {
        if (problem != null) {
            throw new CliFailure(ExitCode.UNSAFE_TOKEN_FILE, "the token file " + file + " " + problem
                    + "; not sending a token others may know or have chosen");
        }
    }

    private static String problemWithFile(Path file, int uid) throws IOException {
        if (Files.isSymbolicLink(file)) {
            return "is a symbolic link";
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return "is not a regular file";
        }
        int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid) {
            return "is owned by uid " + owner + ", not by you (uid " + uid + ")";
        }
        int mode = mode(file);
        return (mode & GROUP_OR_OTHERS) != 0 ? "is accessible to others (mode " + octal(mode) + "; chmod 600 it)"
                : null;
    }

    private static String problemWithDirectory(Path dir, int uid, boolean holdsTheFile) throws IOException {
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = mode(dir);
        if (owner != uid && owner != ROOT) {
            return "is in " + dir + ", owned by uid " + owner + " (neither you, uid " + uid + ", nor root)";
        }
        boolean sticky = (mode & STICKY) != 0;
        if ((mode & WRITABLE_BY_GROUP_OR_OTHERS) != 0 && (holdsTheFile || !sticky)) {
            return "is in " + dir + ", which others may write (mode " + octal(mode) + (sticky ? ", sticky" : "")
                    + ")";
        }
        return null;
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }
}
