package io.cvs.api;

import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.system.InvalidRequestException;
import io.cvs.system.ProblemType;
import io.cvs.system.Violations;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A JSON Merge Patch (RFC 7396) of a service ({@code ServicePatch}), applied through Jackson's tree. */
final class MergePatch {

    private static final Set<String> FIELDS = Set.of("name", "vip", "port", "protocol", "backends", "labels",
            "healthCheck", "onBackendRemoval", "scheduler", "maglev", "sessionAffinity", "hosts");
    private static final Set<String> REQUIRED = Set.of("name", "vip", "port", "protocol", "backends");

    private MergePatch() {
    }

    /** The patch's own mistakes, found before the service is looked at: not an object, unknown or removed fields. */
    static void check(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            String sent = patch == null || patch.isNull() ? "null"
                    : patch.getNodeType().name().toLowerCase(Locale.ROOT);
            throw ProblemType.MALFORMED_BODY.exception("A merge patch of a service must be a JSON object, not " + sent
                    + ".");
        }
        Violations violations = new Violations();
        for (Map.Entry<String, JsonNode> member : patch.properties()) {
            if (!FIELDS.contains(member.getKey())) {
                violations.add(member.getKey(), "unknown field", null);
            } else if (member.getValue().isNull() && REQUIRED.contains(member.getKey())) {
                violations.add(member.getKey(), "cannot be removed", null);
            }
        }
        violations.throwIfAny();
    }

    /**
     * The service's content with the patch merged into it, validated like a PUT body. A patch that leaves MAGLEV
     * (a scheduler other than MAGLEV, no maglev of its own) drops the table size, and one that sets the affinity
     * type to NONE (no timeout of its own) drops the timeout: they belonged to what the patch turned off.
     */
    static ServiceConfig apply(Service current, JsonNode patch, JsonMapper json, int defaultTableSize) {
        ObjectNode merged = (ObjectNode) merge(json.valueToTree(ServiceRequest.of(current.content())), patch);
        JsonNode scheduler = patch.get("scheduler");
        if (scheduler != null && !"MAGLEV".equals(scheduler.asString(null)) && !patch.has("maglev")) {
            merged.remove("maglev");
        }
        JsonNode affinity = patch.get("sessionAffinity");
        if (affinity != null && affinity.isObject() && "NONE".equals(affinity.path("type").asString(null))
                && !affinity.has("timeoutSeconds") && merged.get("sessionAffinity") instanceof ObjectNode merging) {
            merging.remove("timeoutSeconds");
        }
        try {
            return json.treeToValue(merged, ServiceRequest.class).toConfig("", defaultTableSize);
        } catch (JacksonException e) {
            throw InvalidRequestException.of(path(e), e.getOriginalMessage(), null);
        }
    }

    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                : ((ObjectNode) patch).objectNode();
        for (Map.Entry<String, JsonNode> member : patch.properties()) {
            if (member.getValue().isNull()) {
                result.remove(member.getKey());
            } else {
                result.set(member.getKey(), merge(result.get(member.getKey()), member.getValue()));
            }
        }
        return result;
    }

    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }
}
