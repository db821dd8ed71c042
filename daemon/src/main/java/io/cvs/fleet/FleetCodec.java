package io.cvs.fleet;

import io.cvs.address.IpAddresses;
import io.cvs.api.ServiceRequest;
import io.cvs.fleet.store.StoredService;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.time.Instant;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A service entry's value in the store: the service's API representation ({@code ServiceRequest}) as JSON, plus
 * {@code id} and {@code committedAt}, the writer's wall clock when it sent the commit (milliseconds since the
 * epoch). committedAt only feeds the apply-latency histogram: across hosts it is as good as their clocks agree.
 * The entry's mod revision is the service's version, so it is not in the value.
 */
final class FleetCodec {

    private static final String ID = "id";
    private static final String COMMITTED_AT = "committedAt";

    private final JsonMapper json = JsonMapper.shared();

    byte[] encode(String id, ServiceConfig config, Instant committedAt) {
        ObjectNode value = json.valueToTree(ServiceRequest.of(config));
        value.put(ID, id);
        value.put(COMMITTED_AT, committedAt.toEpochMilli());
        return json.writeValueAsBytes(value);
    }

    /** The service an entry holds, its version the entry's mod revision; refused when it does not validate. */
    Service decode(StoredService stored) {
        ObjectNode value = (ObjectNode) json.readTree(stored.value());
        value.remove(ID);
        value.remove(COMMITTED_AT);
        ServiceConfig config = json.treeToValue(value, ServiceRequest.class).toConfig("");
        return new Service(stored.id(), stored.modRevision(), config);
    }

    /** When the writer committed the entry, or null when the value does not say. */
    Instant committedAt(StoredService stored) {
        ObjectNode value = (ObjectNode) json.readTree(stored.value());
        return value.has(COMMITTED_AT) ? Instant.ofEpochMilli(value.get(COMMITTED_AT).asLong()) : null;
    }

    /** The uniqueness claims of a service: its name and its (VIP, port, protocol). */
    static Set<String> claims(ServiceConfig config) {
        return Set.of(nameClaim(config.name()), "vip:" + IpAddresses.text(config.key().vip()) + ":"
                + config.key().port() + "/" + config.key().protocol().name());
    }

    static String nameClaim(String name) {
        return "name:" + name;
    }
}
