package io.cvs.fleet;

import io.cvs.security.TokenFiles;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Fleet mode: one desired state for many hosts, kept in etcd. Off unless {@code cvs.fleet.etcd.endpoints} is set;
 * the host labels count in both modes (a service's {@code hosts} selector is matched against them).
 *
 * @param etcd           the store: endpoints, credentials, TLS
 * @param hostId         this host's name in the fleet (its report's key); empty: the hostname
 * @param prefix         the keys' prefix in etcd, shared by every host of one fleet
 * @param hostLabels     this host's labels, matched by services' {@code hosts.matchLabels}
 * @param requestTimeout how long one store call may take before it counts as unavailable
 * @param reportTtl      the lease of this host's report: gone this long, the host vanishes from the fleet's list
 * @param reportInterval how often this host reports besides after each apply
 * @param applyWait      how long a write waits, after the store committed it, for this host to apply it
 * @param retryAfter     the Retry-After of a write refused while the store is unavailable
 * @param bulkConcurrency how many of a bulk's transactions one host has in flight at once
 */
@Validated
@ConfigurationProperties("cvs.fleet")
public record FleetProperties(@NotNull @DefaultValue Etcd etcd, @DefaultValue("") String hostId,
        @NotBlank @DefaultValue("/cvs/v1/") String prefix, @DefaultValue Map<String, String> hostLabels,
        @NotNull @DefaultValue("5s") Duration requestTimeout, @NotNull @DefaultValue("15s") Duration reportTtl,
        @NotNull @DefaultValue("5s") Duration reportInterval, @NotNull @DefaultValue("2s") Duration applyWait,
        @NotNull @DefaultValue("5s") Duration retryAfter, @Min(1) @Max(64) @DefaultValue("8") int bulkConcurrency) {

    private static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    public FleetProperties {
        hostLabels = hostLabels == null ? Map.of() : Map.copyOf(hostLabels);
    }

    /** Whether fleet mode is on: endpoints are set. */
    public boolean enabled() {
        return !etcd.endpoints().isEmpty();
    }

    /**
     * The host id, or the hostname when none is set: the kernel's ({@code /proc/sys/kernel/hostname}), which needs
     * no name resolution, else Java's.
     */
    public String effectiveHostId() {
        if (!hostId.isBlank()) {
            return hostId;
        }
        try {
            return Files.readString(KERNEL_HOSTNAME).strip();
        } catch (IOException | RuntimeException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException unknown) {
                return "localhost";
            }
        }
    }

    /**
     * The etcd client's settings. The password comes from {@code password} (environment only, like the API tokens)
     * or {@code password-file} (checked like a token file: the daemon's user's, mode 600); it is never logged.
     *
     * @param endpoints    comma-separated client URLs; empty: single-host mode
     * @param user         etcd user, or empty for none
     * @param password     etcd password (prefer the file)
     * @param passwordFile a file holding the password
     * @param tls          client TLS: CA to trust, client certificate and key
     * @param maxTxnOps    the cluster's {@code --max-txn-ops}: one transaction holds a third as many new services
     */
    public record Etcd(@DefaultValue List<String> endpoints, @DefaultValue("") String user,
            @DefaultValue("") String password, Path passwordFile, @DefaultValue Tls tls,
            @Min(8) @DefaultValue("128") int maxTxnOps) {

        public Etcd {
            endpoints = endpoints == null ? List.of() : endpoints.stream().map(String::strip)
                    .filter(e -> !e.isEmpty()).toList();
        }

        /**
         * The password: the file's when one is set (refused at start unless it is the daemon's user's, mode 600,
         * in a directory only it can write, like a token file), else the property; empty for none.
         */
        public String resolvedPassword() {
            if (passwordFile != null) {
                return TokenFiles.ofThisProcess().read(passwordFile, "The etcd password file " + passwordFile);
            }
            return password;
        }

        /** Without the password, whatever prints it. */
        @Override
        public String toString() {
            return "Etcd[endpoints=" + endpoints + ", user=" + user + ", password=" + (password.isEmpty() ? "" : "***")
                    + ", passwordFile=" + passwordFile + ", tls=" + tls + ", maxTxnOps=" + maxTxnOps + "]";
        }
    }

    /** @param caFile the CA that signed the members' certificates; certFile and keyFile: this client's */
    public record Tls(Path caFile, Path certFile, Path keyFile) {
    }
}
