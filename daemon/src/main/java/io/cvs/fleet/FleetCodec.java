package io.cvs.fleet;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.cvs.address.IpAddresses;
import io.cvs.api.ServiceRequest;
import io.cvs.fleet.store.StoredService;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.charset.StandardCharsets;
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
    private static final byte[] TAIL = (",\"" + COMMITTED_AT + "\":").getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper json = JsonMapper.shared();
    /** Reads an entry straight into its API representation in one pass: the two fields the store adds are skipped. */
    private final JsonMapper reader = JsonMapper.builder().addMixIn(ServiceRequest.class, StoredFields.class).build();

    @JsonIgnoreProperties({ID, COMMITTED_AT})
    private abstract static class StoredFields {
    }

    byte[] encode(String id, ServiceConfig config, Instant committedAt) {
        ObjectNode value = json.valueToTree(ServiceRequest.of(config));
        value.put(ID, id);
        value.put(COMMITTED_AT, committedAt.toEpochMilli());
        return json.writeValueAsBytes(value);
    }

    /** The service an entry holds, its version the entry's mod revision; refused when it does not validate. */
    Service decode(StoredService stored) {
        ServiceConfig config = reader.readValue(stored.value(), ServiceRequest.class).toConfig("");
        return new Service(stored.id(), stored.modRevision(), config);
    }

    /**
     * When the writer committed the entry, or null when the value does not say. Every applied entry passes here, so
     * the common case reads only the value's tail, where {@link #encode} writes committedAt last; a value laid out
     * otherwise is parsed.
     */
    Instant committedAt(StoredService stored) {
        byte[] value = stored.value();
        long millis = trailingCommittedAt(value);
        if (millis >= 0) {
            return Instant.ofEpochMilli(millis);
        }
        ObjectNode tree = (ObjectNode) json.readTree(value);
        return tree.has(COMMITTED_AT) ? Instant.ofEpochMilli(tree.get(COMMITTED_AT).asLong()) : null;
    }

    /** The digits of a value ending in {@code ,"committedAt":<digits>}} as a number; -1 when it does not. */
    static long trailingCommittedAt(byte[] value) {
        int end = value.length - 1;
        if (end < 0 || value[end] != '}') {
            return -1;
        }
        int i = end - 1;
        long millis = 0;
        long scale = 1;
        while (i >= 0 && value[i] >= '0' && value[i] <= '9' && scale <= 1_000_000_000_000_000L) {
            millis += (value[i] - '0') * scale;
            scale *= 10;
            i--;
        }
        int start = i - TAIL.length + 1;
        if (scale == 1 || start < 0) {
            return -1;
        }
        for (int k = 0; k < TAIL.length; k++) {
            if (value[start + k] != TAIL[k]) {
                return -1;
            }
        }
        return millis;
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
