package io.cvs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The daemon at a glance: datapath, capacity, journal, reconcile and readiness. */
@Command(name = "status", description = {
        "Show the datapath, capacity, journal and readiness.",
        "Shows the daemon's datapath (mode, forwarders chosen and active, socket-LB attachment, cvs.ko), capacity "
                + "used and free, journal, last reconcile and readiness.",
        "Example: cvsadm status"})
final class StatusCommand extends ApiCommand {

    @Override
    void run() {
        JsonNode datapath = api().get("/api/v1/datapath");
        ApiClient.Response health = api().getAnyStatus("/actuator/health");
        ApiClient.Response readiness = api().getAnyStatus("/actuator/health/readiness");
        if (format() != OutputFormat.table) {
            ObjectNode status = Json.JSON.createObjectNode().put("url", api().url().toString());
            status.set("datapath", datapath);
            status.set("health", health.body());
            status.put("ready", readiness.status() == 200);
            format().print(out(), status);
            return;
        }
        JsonNode components = health.body().path("components");
        Table table = new Table()
                .row("Daemon:", api().url() + ", " + (readiness.status() == 200 ? "ready" : "NOT READY")
                        + ", health " + health.body().path("status").asString("unknown"))
                .row("Datapath:", mode(datapath));
        for (String line : attachment(datapath)) {
            table.row("", line);
        }
        JsonNode capacity = datapath.path("capacity");
        table.row("Capacity:", String.format("services %d/%d, backends %d/%d (at most %d per service, %d "
                        + "selection slots each)", capacity.path("services").path("used").asInt(),
                capacity.path("services").path("max").asInt(), capacity.path("backends").path("used").asInt(),
                capacity.path("backends").path("max").asInt(), capacity.path("maxBackendsPerService").asInt(),
                capacity.path("selectionSlots").asInt()));
        JsonNode journal = components.path("journal");
        table.row("Journal:", journal.path("status").asString("unknown") + details(journal.path("details")));
        JsonNode reconcile = components.path("reconcile");
        table.row("Reconcile:", reconcile.path("status").asString("unknown") + details(reconcile.path("details")));
        table.print(out());
    }

    private static String mode(JsonNode datapath) {
        String mode = datapath.path("mode").asString();
        if ("memory".equals(mode)) {
            return "memory: NOTHING IS FORWARDED" + (datapath.has("reason") ? " (" + datapath.path("reason")
                    .asString() + ")" : "");
        }
        return mode + ": forwarders chosen " + list(datapath.path("chosen")) + ", active " + list(datapath
                .path("active"));
    }

    private static List<String> attachment(JsonNode datapath) {
        List<String> lines = new ArrayList<>();
        if (!"bpf".equals(datapath.path("mode").asString())) {
            return lines;
        }
        JsonNode socketLb = datapath.path("socketLb");
        lines.add(socketLb.path("attached").asBoolean()
                ? "socket-LB attached to cgroup " + socketLb.path("cgroupId").asLong() + ": "
                        + StreamSupport.stream(socketLb.path("programs").spliterator(), false)
                                .map(program -> program.path("name").asString()).collect(Collectors.joining(", "))
                : "socket-LB not attached");
        JsonNode module = datapath.path("module");
        if (!module.isMissingNode()) {
            lines.add("cvs.ko " + (module.path("loaded").asBoolean() ? "loaded" : "not loaded")
                    + (module.path("servesThis").asBoolean() ? ", serves this map set" : ", does not serve this "
                    + "map set") + ", " + module.path("lookupErrors").asLong() + " lookup errors, "
                    + module.path("natErrors").asLong() + " NAT errors");
        }
        return lines;
    }

    private static String list(JsonNode array) {
        String joined = StreamSupport.stream(array.spliterator(), false).map(JsonNode::asString)
                .collect(Collectors.joining(","));
        return joined.isEmpty() ? "none" : joined;
    }

    /** {@code (dir=/var/lib/cvs/journal, lastSeq=12, ...)}, the health component's details as the daemon gives them. */
    private static String details(JsonNode details) {
        if (!details.isObject() || details.isEmpty()) {
            return "";
        }
        return " (" + details.properties().stream().map(field -> field.getKey() + "=" + field.getValue().asString())
                .collect(Collectors.joining(", ")) + ")";
    }
}
