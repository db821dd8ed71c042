package io.cvs.api;

import io.cvs.datapath.Backend;
import io.cvs.service.Ipv4;
import io.cvs.system.Violations;
import java.net.Inet4Address;

/**
 * A backend as clients send it and the server returns it ({@code BackendSpec}, {@code Backend}). An omitted weight
 * means 1. Validated by {@link #toBackend}, which names each offending field under a prefix.
 */
public record BackendSpec(String address, Integer port, Integer weight) {

    static final int WEIGHT_MAX = 65535;

    static BackendSpec of(Backend backend) {
        return new BackendSpec(backend.address().getHostAddress(), backend.port(), backend.weight());
    }

    /** The backend, or null with the reasons added to violations (prefix: {@code backends[1].} or empty). */
    Backend toBackend(String prefix, Violations violations) {
        Inet4Address parsed = backendAddress(address, prefix + "address", violations);
        boolean portOk = ServiceRequest.checkPort(port, prefix + "port", violations);
        int w = weight == null ? 1 : weight;
        boolean weightOk = w >= 0 && w <= WEIGHT_MAX;
        if (!weightOk) {
            violations.add(prefix + "weight", "must be between 0 and " + WEIGHT_MAX, weight);
        }
        return parsed != null && portOk && weightOk ? new Backend(parsed, port, w) : null;
    }

    static Inet4Address backendAddress(String text, String field, Violations violations) {
        if (text == null) {
            violations.add(field, "is required", null);
            return null;
        }
        Inet4Address parsed = Ipv4.parse(text);
        String refused = parsed == null ? "must be an IPv4 address as a dotted quad without leading zeros"
                : Ipv4.refusedAsBackend(parsed);
        if (refused != null) {
            violations.add(field, refused, text);
            return null;
        }
        return parsed;
    }
}
