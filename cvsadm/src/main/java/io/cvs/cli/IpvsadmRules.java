package io.cvs.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ipvsadm's rules as the API's documents: a service ({@code ServiceSpec}) of an {@code -A} line, a backend of an
 * {@code -a} line, and for {@code -R} the whole desired state after a file of lines.
 */
final class IpvsadmRules {

    private IpvsadmRules() {
    }

    /**
     * The service an {@code -A} line creates, named as {@code push} names one ({@code vip-192-0-2-10-80-tcp}): the
     * name is derived from the address, so the same line gives the same name on every host.
     */
    static ObjectNode service(IpvsadmLine line) {
        Endpoint endpoint = line.endpoint();
        ObjectNode spec = Json.JSON.createObjectNode().put("name", PushCommand.derivedName(endpoint))
                .put("vip", endpoint.vip().toString()).put("port", endpoint.port())
                .put("protocol", endpoint.protocol());
        spec.putArray("backends");
        selection(line, spec);
        return spec;
    }

    /**
     * The scheduler and affinity of an {@code -A} or {@code -E} line into {@code spec}. mh takes the daemon's
     * Maglev table size: no cvs table matches an IPVS one (other hashes), so IPVS's size buys nothing.
     */
    static void selection(IpvsadmLine line, ObjectNode spec) {
        spec.put("scheduler", line.cvsScheduler());
        if (line.persistence != null) {
            spec.putObject("sessionAffinity").put("type", "CLIENT_IP").put("timeoutSeconds", line.persistence);
        }
    }

    /** The backend of an {@code -a} line: weight 1 when not given, as ipvsadm. */
    static ObjectNode backend(IpvsadmLine line) {
        return Json.JSON.createObjectNode().put("address", line.real.address().toString())
                .put("port", line.realPort()).put("weight", line.weight == null ? 1 : line.weight);
    }

    /**
     * The desired state after {@code -R}'s lines, and for each of its services the line that last named it (0 for
     * one the input leaves as it was), so that the daemon's field errors ({@code services[3].vip}) name lines too.
     */
    record Restore(ObjectNode desired, List<Integer> lines) {

        /** The daemon's refusal of the state, each {@code services[i]} it names followed by its line. */
        CliFailure withLines(CliFailure refused) {
            List<String> details = refused.details().stream().map(detail -> {
                Matcher index = SERVICE_INDEX.matcher(detail);
                if (!index.lookingAt() || Integer.parseInt(index.group(1)) >= lines.size()
                        || lines.get(Integer.parseInt(index.group(1))) == 0) {
                    return detail;
                }
                return detail + " (line " + lines.get(Integer.parseInt(index.group(1))) + ")";
            }).toList();
            return new CliFailure(refused.exitCode(), "-R: " + refused.getMessage(), details);
        }
    }

    private static final Pattern SERVICE_INDEX = Pattern.compile("services\\[(\\d+)]");

    /**
     * The desired state after the lines of {@code text} (ipvsadm -S's output, or any -A, -E, -D, -a, -e, -d and
     * -C lines) are applied to {@code state}, the daemon's export: a failure names its line, and nothing is sent
     * until every line is read, so the daemon takes all or nothing.
     */
    static Restore restore(JsonNode state, String text) {
        Map<String, ObjectNode> services = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        state.path("services").forEach(service -> services.put(key(service), (ObjectNode) service.deepCopy()));
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String typed = lines[i].strip();
            if (typed.isEmpty() || typed.startsWith("#")) {
                continue;
            }
            try {
                IpvsadmLine line = IpvsadmLine.parse(Arrays.asList(typed.split("\\s+")));
                apply(line, services);
                if (line.service != null) {
                    lineOf.put(key(line.endpoint()), i + 1);
                }
            } catch (CliFailure e) {
                throw new CliFailure(e.exitCode(), "-R: line " + (i + 1) + ": " + e.getMessage() + " (in '" + typed
                        + "')", e.details());
            }
        }
        ObjectNode desired = Json.JSON.createObjectNode();
        ArrayNode list = desired.putArray("services");
        services.values().forEach(list::add);
        return new Restore(desired, services.keySet().stream().map(key -> lineOf.getOrDefault(key, 0)).toList());
    }

    private static void apply(IpvsadmLine line, Map<String, ObjectNode> services) {
        if ("LSZR".indexOf(line.command) >= 0) {
            throw IpvsadmLine.usage("-" + line.command + " is no rule to restore");
        }
        if (line.command == 'C') {
            services.clear();
            return;
        }
        String key = key(line.endpoint());
        ObjectNode service = services.get(key);
        if (line.command == 'A') {
            if (service != null) {
                throw new CliFailure(ExitCode.API, "service " + line.endpoint() + " exists already");
            }
            services.put(key, service(line));
            return;
        }
        if (service == null) {
            throw CliFailure.notFound("no service at " + line.endpoint());
        }
        switch (line.command) {
            case 'E' -> {
                service.remove(List.of("scheduler", "maglev", "sessionAffinity"));
                selection(line, service);
            }
            case 'D' -> services.remove(key);
            default -> server(line, service);
        }
    }

    /** -a, -e, -d: a backend of {@code service}. */
    private static void server(IpvsadmLine line, ObjectNode service) {
        ArrayNode backends = service.withArray("backends");
        ObjectNode wanted = backend(line);
        ObjectNode held = null;
        Iterator<JsonNode> each = backends.iterator();
        List<JsonNode> kept = new ArrayList<>();
        while (each.hasNext()) {
            JsonNode backend = each.next();
            boolean same = backend.path("address").asString().equals(wanted.path("address").asString())
                    && backend.path("port").asInt() == wanted.path("port").asInt();
            if (same) {
                held = (ObjectNode) backend;
            } else {
                kept.add(backend);
            }
        }
        String named = IpAddress.withPort(wanted.path("address").asString(), wanted.path("port").asInt());
        switch (line.command) {
            case 'a' -> {
                if (held != null) {
                    throw new CliFailure(ExitCode.API, "real server " + named + " is in " + line.endpoint()
                            + " already");
                }
                backends.add(wanted);
            }
            case 'e' -> {
                if (held == null) {
                    throw CliFailure.notFound("no real server " + named + " in " + line.endpoint());
                }
                held.put("weight", wanted.path("weight").asInt());
            }
            default -> {
                if (held == null) {
                    throw CliFailure.notFound("no real server " + named + " in " + line.endpoint());
                }
                backends.removeAll();
                kept.forEach(backends::add);
            }
        }
    }

    private static String key(JsonNode service) {
        return service.path("protocol").asString() + " " + IpAddress.withPort(IpAddress.parse(service.path("vip")
                .asString()).map(IpAddress::toString).orElse(service.path("vip").asString()),
                service.path("port").asInt());
    }

    private static String key(Endpoint endpoint) {
        return endpoint.protocol() + " " + IpAddress.withPort(endpoint.vip().toString(), endpoint.port());
    }
}
