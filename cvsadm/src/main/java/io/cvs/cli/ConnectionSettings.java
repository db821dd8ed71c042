package io.cvs.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Where the daemon is and which token to send, each taken from the first of: a flag, the environment
 * ({@code CVS_URL}, {@code CVS_TOKEN}), the config file, the default ({@code http://127.0.0.1:8080}; the daemon's
 * generated token file when it is readable, as it is for root on the daemon's host). {@code tokenSource} says
 * where the token came from, for the hint when the daemon refuses it.
 */
record ConnectionSettings(URI url, String token, String tokenSource) {

    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    /** The values of {@code --url}, {@code --token} and {@code --token-file}, each null when not given. */
    record Flags(String url, String token, Path tokenFile) {
    }

    static ConnectionSettings resolve(Flags flags, Host host) {
        Supplier<ConfigFile> config = memoized(() -> ConfigFile.read(host.configFile()));
        URI url = parseUrl(firstOf(flags.url(), host.env().get("CVS_URL"), () -> config.get().url(), DEFAULT_URL));
        if (flags.token() != null && flags.tokenFile() != null) {
            throw new CliFailure(ExitCode.USAGE, "give --token or --token-file, not both");
        }
        if (flags.token() != null) {
            return new ConnectionSettings(url, flags.token(), "--token");
        }
        if (flags.tokenFile() != null) {
            return new ConnectionSettings(url, TokenFile.read(flags.tokenFile(), host.uid()),
                    "--token-file " + flags.tokenFile());
        }
        String fromEnv = host.env().get("CVS_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new ConnectionSettings(url, fromEnv.trim(), "CVS_TOKEN");
        }
        ConfigFile file = config.get();
        if (file.token() != null && file.tokenFile() != null) {
            throw new CliFailure(ExitCode.USAGE, "config file " + host.configFile()
                    + " sets both token and tokenFile; keep one");
        }
        if (file.token() != null) {
            return new ConnectionSettings(url, file.token().trim(), "token in " + host.configFile());
        }
        if (file.tokenFile() != null) {
            Path tokenFile = Path.of(file.tokenFile());
            return new ConnectionSettings(url, TokenFile.read(tokenFile, host.uid()), "tokenFile " + tokenFile + " in "
                    + host.configFile());
        }
        if (Files.isReadable(host.daemonTokenFile())) {
            return new ConnectionSettings(url, TokenFile.read(host.daemonTokenFile(), host.uid()),
                    host.daemonTokenFile().toString());
        }
        return new ConnectionSettings(url, null, null);
    }

    private static String firstOf(String flag, String env, Supplier<String> config, String fallback) {
        if (flag != null) {
            return flag;
        }
        if (env != null && !env.isBlank()) {
            return env;
        }
        String configured = config.get();
        return configured != null ? configured : fallback;
    }

    private static URI parseUrl(String text) {
        try {
            URI url = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                throw new URISyntaxException(text, "not an http:// or https:// URL with a host");
            }
            return url;
        } catch (URISyntaxException e) {
            throw new CliFailure(ExitCode.USAGE, "the daemon URL '" + text + "' is not valid: " + e.getReason());
        }
    }

    private static <T> Supplier<T> memoized(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }

    @Override
    public String toString() {
        return "ConnectionSettings[url=" + url + ", tokenSource=" + tokenSource + "]";
    }
}
