package io.cvs.api;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.service.BackendKey;
import io.cvs.system.Violations;
import java.net.InetAddress;

/**
 * Body of {@code PUT .../backends/{backendKey}}: address (in any valid form) and port may repeat the key; weight
 * defaults to 1.
 */
record BackendPut(String address, Integer port, Integer weight) {

    Backend toBackend(BackendKey key) {
        Violations violations = new Violations();
        InetAddress repeated = IpAddresses.parse(address);
        if (address != null && !key.address().equals(repeated)) {
            violations.add("address", "must equal the address of the backendKey", address);
        }
        if (port != null && port != key.port()) {
            violations.add("port", "must equal the port of the backendKey", port);
        }
        Backend backend = new BackendSpec(IpAddresses.text(key.address()), key.port(), weight)
                .toBackend("", violations);
        violations.throwIfAny();
        return backend;
    }
}
