package io.cvs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * What {@code apply} changes in each service, for people: the daemon says which services it creates, updates and
 * deletes; this says how, comparing the exported state before with the file. It reads both as JSON trees, not as
 * {@link Api} views: a file states what it states (a check may leave out its defaults, which the export fills
 * in), and the check is compared field by field in the file's own terms and order.
 */
final class StateDiff {

    private final Map<String, JsonNode> current;
    private final Map<String, JsonNode> wanted;

    StateDiff(Map<String, JsonNode> current, Map<String, JsonNode> wanted) {
        this.current = current;
        this.wanted = wanted;
    }

    String describe(String kind, String name) {
        return switch (kind) {
            case "created" -> summary(wanted.get(name));
            case "deleted", "unchanged" -> summary(current.get(name));
            default -> changes(current.get(name), wanted.get(name));
        };
    }

    /** {@code 192.0.2.10:80/TCP, 2 backends}. */
    private static String summary(JsonNode service) {
        if (service == null) {
            return "";
        }
        return address(service) + ", " + service.path("backends").size() + " backend(s)";
    }

    private static String changes(JsonNode before, JsonNode after) {
        if (before == null || after == null) {
            return "";
        }
        List<String> changes = new ArrayList<>();
        if (!address(before).equals(address(after))) {
            changes.add("address " + address(before) + " -> " + address(after));
        }
        Map<String, Integer> oldBackends = backends(before);
        Map<String, Integer> newBackends = backends(after);
        newBackends.forEach((key, weight) -> {
            Integer old = oldBackends.get(key);
            if (old == null) {
                changes.add("+backend " + key + (weight == 1 ? "" : " weight " + weight));
            } else if (!old.equals(weight)) {
                changes.add("backend " + key + " weight " + old + " -> " + weight);
            }
        });
        oldBackends.keySet().stream().filter(key -> !newBackends.containsKey(key))
                .forEach(key -> changes.add("-backend " + key));
        if (changes.isEmpty() && oldBackends.size() == newBackends.size()
                && !List.copyOf(oldBackends.keySet()).equals(List.copyOf(newBackends.keySet()))) {
            changes.add("backends reordered");
        }
        labels(before, after, changes);
        check(before.path("healthCheck"), after.path("healthCheck"), changes);
        String oldPolicy = before.path("onBackendRemoval").asString("KEEP");
        String newPolicy = after.path("onBackendRemoval").asString("KEEP");
        if (!oldPolicy.equals(newPolicy)) {
            // a file that leaves the policy out asks for the default, KEEP
            changes.add("onBackendRemoval " + oldPolicy + " -> " + newPolicy);
        }
        selection(before, after, changes);
        return String.join(", ", changes);
    }

    /**
     * The scheduler and affinity in the file's terms: a field it leaves out asks for the default (RANDOM, NONE), a
     * table size or timeout it leaves out is whatever the daemon fills in, so only one it states is compared.
     */
    private static void selection(JsonNode before, JsonNode after, List<String> changes) {
        String oldScheduler = before.path("scheduler").asString("RANDOM");
        String newScheduler = after.path("scheduler").asString("RANDOM");
        JsonNode newSize = after.path("maglev").path("tableSize");
        if (!oldScheduler.equals(newScheduler) || newSize.isNumber()
                && newSize.asInt() != before.path("maglev").path("tableSize").asInt()) {
            changes.add("scheduler " + scheduler(oldScheduler, before) + " -> " + scheduler(newScheduler, after));
        }
        String oldType = before.path("sessionAffinity").path("type").asString("NONE");
        String newType = after.path("sessionAffinity").path("type").asString("NONE");
        JsonNode newTimeout = after.path("sessionAffinity").path("timeoutSeconds");
        if (!oldType.equals(newType) || newTimeout.isNumber()
                && newTimeout.asInt() != before.path("sessionAffinity").path("timeoutSeconds").asInt()) {
            changes.add("sessionAffinity " + affinity(oldType, before) + " -> " + affinity(newType, after));
        }
    }

    private static String scheduler(String scheduler, JsonNode service) {
        JsonNode size = service.path("maglev").path("tableSize");
        return scheduler + (size.isNumber() ? " " + size.asInt() : "");
    }

    private static String affinity(String type, JsonNode service) {
        JsonNode timeout = service.path("sessionAffinity").path("timeoutSeconds");
        return type + (timeout.isNumber() ? " " + timeout.asInt() + "s" : "");
    }

    private static void labels(JsonNode before, JsonNode after, List<String> changes) {
        Map<String, String> old = labelMap(before);
        Map<String, String> wanted = labelMap(after);
        wanted.forEach((key, value) -> {
            if (!Objects.equals(old.get(key), value)) {
                changes.add("label " + key + "=" + value + (old.containsKey(key) ? " (was " + old.get(key) + ")" : ""));
            }
        });
        old.keySet().stream().filter(key -> !wanted.containsKey(key)).forEach(key -> changes.add("-label " + key));
    }

    /** The file may leave out the check's defaults, which the export fills in: compare what the file states. */
    private static void check(JsonNode before, JsonNode after, List<String> changes) {
        if (before.isMissingNode() && after.isMissingNode()) {
            return;
        }
        if (after.isMissingNode() || after.isNull()) {
            changes.add("-check " + before.path("type").asString());
            return;
        }
        if (before.isMissingNode()) {
            changes.add("+check " + after.path("type").asString());
            return;
        }
        after.properties().stream()
                .filter(field -> !field.getValue().equals(before.path(field.getKey())))
                .forEach(field -> changes.add("check " + field.getKey() + " " + before.path(field.getKey()).asString("-")
                        + " -> " + field.getValue().asString()));
    }

    private static String address(JsonNode service) {
        return Format.address(canonical(service.path("vip").asString()), service.path("port").asString(),
                service.path("protocol").asString());
    }

    private static Map<String, Integer> backends(JsonNode service) {
        Map<String, Integer> backends = new LinkedHashMap<>();
        service.path("backends").forEach(backend -> backends.put(
                IpAddress.withPort(canonical(backend.path("address").asString()), backend.path("port").asInt()),
                backend.path("weight").asInt(1)));
        return backends;
    }

    /**
     * A file may spell an IPv6 address otherwise than the export ({@code 2001:DB8:0::10}): the same address is no
     * change. What is no address stays as written, for the daemon to refuse.
     */
    private static String canonical(String address) {
        return IpAddress.parse(address).map(IpAddress::toString).orElse(address);
    }

    private static Map<String, String> labelMap(JsonNode service) {
        Map<String, String> labels = new LinkedHashMap<>();
        service.path("labels").properties().forEach(label -> labels.put(label.getKey(), label.getValue().asString()));
        return labels;
    }
}
