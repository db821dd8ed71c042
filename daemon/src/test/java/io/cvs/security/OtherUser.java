package io.cvs.security;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;

import org.junit.jupiter.api.Assumptions;

/**
 * {@code nobody}, a real user of the host that is not the one running the tests, to own files as another user
 * would. Giving a file away takes root: without it a developer's run skips loudly, a CI run fails.
 */
final class OtherUser {

    private OtherUser() {
    }

    static UserPrincipal nobody() {
        try {
            if ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") != 0) {
                String message = "TOKEN FILE OWNERSHIP TESTS NOT RUN: giving files to nobody needs root";
                if (System.getenv("CI") != null) {
                    fail(message + " (CI must run them)");
                }
                System.err.println("!!! " + message + " !!!");
                Assumptions.abort(message);
            }
            return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes nobody the owner of the path (not of a link's target) and returns nobody's uid. */
    static int giveToNobody(Path path) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS).setOwner(nobody());
        return uid(path);
    }

    static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
