package io.cvs.cli;

import com.sun.security.auth.module.UnixSystem;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What cvsadm reads from the machine it runs on besides its arguments: the environment, the home directory (for
 * the config file), where the daemon keeps its generated admin token, whether stdout is a terminal, stdin
 * ({@code apply -f -}), and the user it runs as (who alone may own a token file it reads). Tests make their own,
 * so that neither the developer's environment nor a daemon installed on the host leaks in.
 */
record Host(Map<String, String> env, Path home, Path daemonTokenFile, boolean terminal, InputStream stdin,
        int uid) {

    /** The daemon's default {@code cvs.security.token-file}. */
    static final Path DAEMON_TOKEN_FILE = Path.of("/var/lib/cvs/admin-token");

    Host {
        env = Map.copyOf(env);
    }

    static Host current() {
        return new Host(System.getenv(), Path.of(System.getProperty("user.home")), DAEMON_TOKEN_FILE,
                System.console() != null, System.in, (int) new UnixSystem().getUid());
    }

    /** The config file: {@code $CVS_CONFIG}, else {@code ~/.config/cvs/cvsadm.yaml}. */
    Path configFile() {
        String configured = env.get("CVS_CONFIG");
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : home.resolve(".config/cvs/cvsadm.yaml");
    }
}
