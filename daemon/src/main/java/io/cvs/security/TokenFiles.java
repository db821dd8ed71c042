package io.cvs.security;

import com.sun.security.auth.module.UnixSystem;
import io.cvs.system.StartupRefusedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The rules for a file that holds a token, the ones OpenSSH applies to a private key: the file belongs to the
 * daemon's user, nobody else may read or write it (mode 0600 or stricter), it is a regular file and not a link to
 * one, and its directory is the daemon's user's or root's and nobody else may write there (not even a sticky
 * {@code /tmp}: another user could have made the file first). Directories above it may be written by others only
 * when sticky, so that nobody can move the token's directory away and put another in its place.
 *
 * <p>A token file that breaks a rule is refused, not repaired: a file someone else made or could read holds a
 * token that may be known. cvsadm's {@code TokenFile} applies the same rules to the files it reads.
 */
public final class TokenFiles {

    private static final int ROOT = 0;
    private static final int GROUP_OR_OTHERS = 0077;
    private static final int WRITABLE_BY_GROUP_OR_OTHERS = 0022;
    private static final int STICKY = 01000;

    private final int daemonUid;

    /** @param daemonUid the user the daemon runs as, who alone may own a token file */
    TokenFiles(int daemonUid) {
        this.daemonUid = daemonUid;
    }

    public static TokenFiles ofThisProcess() {
        return new TokenFiles((int) new UnixSystem().getUid());
    }

    int daemonUid() {
        return daemonUid;
    }

    /**
     * Checks the directory a token file is or will be in, and those above it.
     *
     * @param what names the file in the refusal, e.g. {@code "The admin token file /var/lib/cvs/admin-token"}
     */
    void requireSafeDirectory(Path dir, String what) {
        Path real = realPath(dir, what);
        String problem = problemWithDirectory(real, true);
        for (Path above = real.getParent(); problem == null && above != null; above = above.getParent()) {
            problem = problemWithDirectory(above, false);
        }
        if (problem != null) {
            throw new StartupRefusedException(what + " is in " + problem + ", so others could replace the token.",
                    "Keep token files in a directory of the daemon's user (uid " + daemonUid
                            + ") or root that only its owner can write, e.g. chmod 700 " + real + ".");
        }
    }

    /** Checks the file itself: owner, mode, type; the directory is {@link #requireSafeDirectory}'s. */
    void requireSafeFile(Path file, String what) {
        String problem = problemWithFile(file);
        if (problem != null) {
            throw new StartupRefusedException(what + " " + problem + ", so the token may be known to others.",
                    "Give the daemon's user (uid " + daemonUid + ") a file of its own, mode 600 (chown " + daemonUid
                            + " " + file + " && chmod 600 " + file + ", if its content is safe), or remove it.");
        }
    }

    /** The token in a file that meets every rule, without the line end; empty when the file holds nothing. */
    public String read(Path file, String what) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new StartupRefusedException(what + " does not exist.", "Write the token into it, as the daemon's "
                    + "user with umask 077 (mode 600), or point the property at the file that holds it.");
        }
        requireSafeDirectory(file.toAbsolutePath().getParent(), what);
        requireSafeFile(file, what);
        // O_NOFOLLOW: the file checked above is the file read, even if a link were put in its place since
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(what, e);
        }
    }

    private String problemWithFile(Path file) {
        try {
            if (Files.isSymbolicLink(file)) {
                return "is a symbolic link (to " + Files.readSymbolicLink(file) + ")";
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return "is not a regular file";
            }
            int uid = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (uid != daemonUid) {
                return "is owned by uid " + uid + ", not by the daemon's user (uid " + daemonUid + ")";
            }
            int mode = mode(file);
            if ((mode & GROUP_OR_OTHERS) != 0) {
                return "is accessible to others (mode " + octal(mode) + ")";
            }
            return null;
        } catch (IOException e) {
            return "cannot be checked (" + e + ")";
        }
    }

    /**
     * @param holdsTheFile the token's own directory, where others may not write even with the sticky bit; above it
     *                     the sticky bit is enough, since it keeps others from renaming what they do not own
     */
    private String problemWithDirectory(Path dir, boolean holdsTheFile) {
        try {
            int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int mode = mode(dir);
            if (uid != daemonUid && uid != ROOT) {
                return dir + ", owned by uid " + uid + " (neither the daemon's user, uid " + daemonUid
                        + ", nor root)";
            }
            boolean sticky = (mode & STICKY) != 0;
            if ((mode & WRITABLE_BY_GROUP_OR_OTHERS) != 0 && (holdsTheFile || !sticky)) {
                return dir + ", which others may write (mode " + octal(mode) + (sticky ? ", sticky" : "") + ")";
            }
            return null;
        } catch (IOException e) {
            return dir + ", which cannot be checked (" + e + ")";
        }
    }

    private static Path realPath(Path dir, String what) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new StartupRefusedException(what + " is in " + dir + ", which cannot be read (" + e + ").",
                    "Create the directory for the daemon's user, mode 700.");
        }
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String octal(int mode) {
        return String.format("%04o", mode);
    }
}
