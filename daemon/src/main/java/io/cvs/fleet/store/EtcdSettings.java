package io.cvs.fleet.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How {@link EtcdFleetStore} reaches etcd. endpoints are client URLs ({@code http://} or {@code https://});
 * prefix starts every key ({@code /cvs/v1/}); user and password are etcd's authentication (both null without it);
 * caFile, certFile and keyFile give TLS (the CA to trust, and the client certificate and its PKCS#8 key when the
 * cluster asks for one; all null for plain text). callTimeout bounds every call, after which it counts as the store
 * being unavailable; connectTimeout bounds each connection attempt. maxTxnOps must not exceed the cluster's
 * {@code --max-txn-ops} (etcd's default is 128): it limits the keys one transaction compares and writes, claims
 * included. The password never appears in {@link #toString()}.
 */
public record EtcdSettings(List<String> endpoints, String prefix, String user, String password, Path caFile,
        Path certFile, Path keyFile, Duration callTimeout, Duration connectTimeout, int maxTxnOps) {

    /** etcd's own default for --max-txn-ops. */
    public static final int ETCD_DEFAULT_MAX_TXN_OPS = 128;

    public EtcdSettings {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint");
        }
        if (prefix == null || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("the key prefix must end with '/': " + prefix);
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("etcd user and password go together");
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a TLS client certificate needs its key, and a key its certificate");
        }
        if (maxTxnOps < 8) {
            throw new IllegalArgumentException("maxTxnOps below 8 leaves no room for one op and its claims");
        }
    }

    /** Plain text, no authentication, 2 s per call, etcd's default transaction size. */
    public static EtcdSettings plain(List<String> endpoints, String prefix) {
        return new EtcdSettings(endpoints, prefix, null, null, null, null, null, Duration.ofSeconds(2),
                Duration.ofSeconds(2), ETCD_DEFAULT_MAX_TXN_OPS);
    }

    boolean tls() {
        return caFile != null || certFile != null || endpoints.stream().anyMatch(url -> url.startsWith("https:"));
    }

    @Override
    public String toString() {
        return "EtcdSettings[endpoints=" + endpoints + ", prefix=" + prefix + ", user=" + user + ", password="
                + (password == null ? null : "(hidden)") + ", caFile=" + caFile + ", certFile=" + certFile
                + ", keyFile=" + keyFile + ", callTimeout=" + callTimeout + ", connectTimeout=" + connectTimeout
                + ", maxTxnOps=" + maxTxnOps + "]";
    }
}
