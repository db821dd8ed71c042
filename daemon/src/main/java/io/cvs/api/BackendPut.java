package io.cvs.api;

import io.cvs.datapath.Backend;
import io.cvs.service.BackendKey;
import io.cvs.system.Violations;



/** Body of {@code PUT .../backends/{backendKey}}: address and port may repeat the key; weight defaults to 1. */
record BackendPut(String address, Integer port, Integer weight) {

    Backend toBackend(BackendKey key) {
        Violations violations = new Violations();
        if (address != null && !address.equals(key.address().getHostAddress())) {
            violations.add("address", "must equal the address of the backendKey", address);
        }
        if (port != null && port != key.port()) {
            violations.add("port", "must equal the port of the backendKey", port);
        }
        Backend backend = new BackendSpec(key.address().getHostAddress(), key.port(), weight)
                .toBackend("", violations);
        violations.throwIfAny();
        return backend;
    }
}
