package io.cvs.security;

import io.cvs.address.IpAddresses;
import io.cvs.system.StartupRefusedException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens the API accepts, held only as SHA-256 digests. A presented token is hashed and compared with both in
 * constant time ({@link MessageDigest#isEqual}), so neither its content nor its length shows in the timing.
 * Tokens are never logged; only where the admin token file is.
 */
final class ApiTokens {

    static final int MIN_LENGTH = 16;

    private static final Logger log = LoggerFactory.getLogger(ApiTokens.class);

    private final byte[] admin;
    private final byte[] viewer;

    private ApiTokens(String admin, String viewer) {
        this.admin = sha256(admin);
        this.viewer = viewer == null ? null : sha256(viewer);
    }

    /**
     * The configured tokens (a property, or a file named by one); without an admin token, the one in the token file
     * (made when absent). With no token configured at all, the API must listen on loopback only: a token that
     * exists only in a file on this host is no way to let others in.
     *
     * @param listenAddress {@code server.address}; null means every address
     * @param files         the rules every token file must meet
     */
    static ApiTokens load(ApiSecurityProperties properties, InetAddress listenAddress, TokenFiles files) {
        String admin = configured("cvs.security.admin-token", properties.adminToken(),
                "cvs.security.admin-token-file", properties.adminTokenFile(), files);
        String viewer = configured("cvs.security.viewer-token", properties.viewerToken(),
                "cvs.security.viewer-token-file", properties.viewerTokenFile(), files);
        if (admin == null && viewer == null && (listenAddress == null || !listenAddress.isLoopbackAddress())) {
            throw new StartupRefusedException("No API token is configured, and the API would listen on "
                    + (listenAddress == null ? "every address" : IpAddresses.text(listenAddress)) + ".",
                    "Set cvs.security.admin-token (and cvs.security.viewer-token if wanted), or keep server.address "
                            + "on loopback (127.0.0.1), where the admin token file is enough.");
        }
        if (admin == null) {
            AdminTokenFile.Token token = AdminTokenFile.readOrCreate(properties.tokenFile(), files);
            log.info("{} the admin token in {} (readable by its owner only; cvs.security.admin-token is unset). "
                    + "Send it as: Authorization: Bearer $(cat {})", token.created() ? "Created" : "Using",
                    properties.tokenFile(), properties.tokenFile());
            admin = token.value();
        }
        if (admin.equals(viewer)) {
            throw new StartupRefusedException("The viewer token is the admin token.",
                    "Give cvs.security.viewer-token a value of its own.");
        }
        return new ApiTokens(admin, viewer);
    }

    /** The role of the presented token, if it is one of ours. */
    Optional<Role> roleOf(String presented) {
        byte[] digest = sha256(presented);
        boolean isAdmin = MessageDigest.isEqual(digest, admin);
        boolean isViewer = viewer != null && MessageDigest.isEqual(digest, viewer);
        if (isAdmin) {
            return Optional.of(Role.ADMIN);
        }
        return isViewer ? Optional.of(Role.VIEWER) : Optional.empty();
    }

    @Override
    public String toString() {
        return "ApiTokens[admin, " + (viewer == null ? "no viewer" : "viewer") + "]";
    }

    /**
     * The token of a property or of the file another property names; blank counts as unset (an empty environment
     * variable). A short token is refused without printing it.
     */
    private static String configured(String property, String value, String fileProperty, Path file,
            TokenFiles files) {
        boolean inProperty = value != null && !value.isBlank();
        if (inProperty && file != null) {
            throw new StartupRefusedException("Both " + property + " and " + fileProperty + " are set.",
                    "Keep one of them.");
        }
        String token = inProperty ? value : null;
        String source = property;
        if (file != null) {
            source = fileProperty + " (" + file + ")";
            token = files.read(file, "The token file " + file + " of " + fileProperty);
        }
        if (token == null) {
            return null;
        }
        if (token.length() < MIN_LENGTH) {
            throw new StartupRefusedException(source + " is shorter than " + MIN_LENGTH + " characters.",
                    "Use a long random token, e.g. openssl rand -base64 32.");
        }
        return token;
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
