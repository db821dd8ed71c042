package io.cvs.api;

import io.cvs.address.AddressRules;
import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.system.Violations;
import java.net.InetAddress;

/**
 * A backend as clients send it and the server returns it ({@code BackendSpec}, {@code Backend}). An omitted weight
 * means 1. Validated by {@link #toBackend}, which names each offending field under a prefix. The address is answered
 * in canonical form (RFC 5952 for IPv6) whatever form was sent.
 */
public record BackendSpec(String address, Integer port, Integer weight) {

    static final int WEIGHT_MAX = 65535;

    static BackendSpec of(Backend backend) {
        return new BackendSpec(IpAddresses.text(backend.address()), backend.port(), backend.weight());
    }

    /** The backend, or null with the reasons added to violations (prefix: {@code backends[1].} or empty). */
    Backend toBackend(String prefix, Violations violations) {
        InetAddress parsed = backendAddress(address, prefix + "address", violations);
        boolean portOk = ServiceRequest.checkPort(port, prefix + "port", violations);
        int w = weight == null ? 1 : weight;
        boolean weightOk = w >= 0 && w <= WEIGHT_MAX;
        if (!weightOk) {
            violations.add(prefix + "weight", "must be between 0 and " + WEIGHT_MAX, weight);
        }
        return parsed != null && portOk && weightOk ? new Backend(parsed, port, w) : null;
    }

    static InetAddress backendAddress(String text, String field, Violations violations) {
        if (text == null) {
            violations.add(field, "is required", null);
            return null;
        }
        String refused = AddressRules.refusedAsBackend(text);
        if (refused != null) {
            violations.add(field, refused, text);
            return null;
        }
        return IpAddresses.parse(text);
    }
}
