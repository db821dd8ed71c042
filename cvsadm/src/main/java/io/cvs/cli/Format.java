package io.cvs.cli;

import io.cvs.cli.Api.Addressed;
import io.cvs.cli.Api.BackendHealth;
import io.cvs.cli.Api.Capacity;
import io.cvs.cli.Api.Datapath;
import io.cvs.cli.Api.FieldError;
import io.cvs.cli.Api.Flows;
import io.cvs.cli.Api.HealthCheck;
import io.cvs.cli.Api.HealthComponent;
import io.cvs.cli.Api.Module;
import io.cvs.cli.Api.Problem;
import io.cvs.cli.Api.Service;
import io.cvs.cli.Api.SocketLb;
import io.cvs.cli.Api.SocketLbProgram;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * How cvsadm writes the daemon's answers for people: every cell of a {@link Table} and every value a message
 * names, in one place, so that the commands agree (a service is {@code web (192.0.2.10:80/TCP)} in every message,
 * a rate the daemon does not have is {@code -} in every table). {@code -o json|yaml} never comes here: it prints
 * the API's documents as sent.
 */
final class Format {

    /** A cell without a value: no check, no rate yet, no probe yet, no labels. */
    static final String NONE = "-";

    /** The header cells of the address column in ipvsadm's layout ({@code list}, {@code stats}). */
    static final String LOCAL_ADDRESS = "Prot LocalAddress:Port";
    static final String REMOTE_ADDRESS = "  -> RemoteAddress:Port";
    /** The row under a service without backends: it holds its VIP, and new connections to it are refused. */
    static String[] noBackends() {
        return new String[] {"  (no backends)", "connections refused"};
    }

    private Format() {
    }

    // ---- services and backends ----

    /** {@code TCP  192.0.2.10:80}, {@code TCP  [2001:db8::10]:80}: a service's line in ipvsadm -L -n. */
    static String localAddress(Service service) {
        return String.format("%-4s %s", service.protocol(), IpAddress.withPort(service.vip(), service.port()));
    }

    /** {@code   -> 10.0.0.1:8080}, {@code   -> [fd00::1]:8080}: a backend's line under its service. */
    static String remoteAddress(Addressed backend) {
        return "  -> " + backend.key();
    }

    /** {@code 192.0.2.10:80/TCP}, {@code [2001:db8::10]:80/TCP}: as openapi.yaml and the metrics write it. */
    static String address(Service service) {
        return address(service.vip(), String.valueOf(service.port()), service.protocol());
    }

    /** The same of the parts as a file states them ({@code apply} compares files, not answers). */
    static String address(String vip, String port, String protocol) {
        return IpAddress.withPort(vip, port) + "/" + protocol;
    }

    /** {@code web (192.0.2.10:80/TCP)}, how messages name a service. */
    static String service(Service service) {
        return service.name() + " (" + address(service) + ")";
    }

    /** {@code app=web,team=edge}; empty for none. */
    static String labels(Map<String, String> labels) {
        return labels.entrySet().stream().map(label -> label.getKey() + "=" + label.getValue())
                .collect(Collectors.joining(","));
    }

    // ---- health checks ----

    /** {@code HTTP}, or {@link #NONE} without a check. */
    static String checkType(HealthCheck check) {
        return check == null || check.type() == null ? NONE : check.type();
    }

    /** {@code HTTP GET /healthz (200-399) every 1000 ms, timeout 500 ms, rise 2, fall 3, when all down FAIL_OPEN}. */
    static String check(HealthCheck check) {
        StringBuilder text = new StringBuilder(text(check.type()));
        if (check.path() != null) {
            text.append(" GET ").append(check.path()).append(" (").append(text(check.expectedStatus())).append(")");
        }
        if (check.send() != null) {
            text.append(" send '").append(check.send()).append("'");
        }
        if (check.port() != null) {
            text.append(" on port ").append(check.port());
        }
        return text.append(" every ").append(check.intervalMs()).append(" ms, timeout ").append(check.timeoutMs())
                .append(" ms, rise ").append(check.rise()).append(", fall ").append(check.fall())
                .append(", when all down ").append(text(check.whenAllDown())).toString();
    }

    /**
     * {@code UP} or {@code DOWN}, saying so where rotation differs from what the state suggests: a down backend in
     * rotation (every backend is down and the service fails open), an up one out of it (weight 0).
     */
    static String health(BackendHealth backend) {
        String state = text(backend.state());
        if ("DOWN".equals(state) && backend.inRotation()) {
            return "DOWN (in rotation: all down, fail-open)";
        }
        if (!"DOWN".equals(state) && !backend.inRotation()) {
            return state + " (out of rotation)";
        }
        return state;
    }

    // ---- values ----

    /** A count or a weight, as the API gives it. */
    static String number(long value) {
        return String.valueOf(value);
    }

    /** One decimal, or {@link #NONE} where the daemon has no rate (not two samples yet, or not counted here). */
    static String rate(Double perSecond) {
        return perSecond == null ? NONE : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    /** The text, or {@link #NONE} where the daemon sent none (no probe yet). */
    static String orNone(String text) {
        return text == null ? NONE : text;
    }

    /** {@code 2}, {@code 0.5}: seconds as typed, without trailing zeros. */
    static String seconds(double seconds) {
        return new BigDecimal(Double.toString(seconds)).stripTrailingZeros().toPlainString();
    }

    /** {@code 2026-11-29 14:00:00}, the local time to the second. */
    static String clock(LocalDateTime time) {
        return time.withNano(0).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).replace('T', ' ');
    }

    // ---- the daemon ----

    static String readiness(boolean ready) {
        return ready ? "ready" : "NOT READY";
    }

    /** A health status, {@code unknown} where the daemon gave none. */
    static String status(String status) {
        return status == null ? "unknown" : status;
    }

    /** {@code UP (dir=/var/lib/cvs/journal, lastSeq=12)}: a health component, details as the daemon gives them. */
    static String component(HealthComponent component) {
        return status(component.status()) + details(component.details());
    }

    /** {@code memory: NOTHING IS FORWARDED (why)}, or {@code bpf: forwarders chosen socket-lb, active socket-lb}. */
    static String datapath(Datapath datapath) {
        if ("memory".equals(datapath.mode())) {
            return "memory: NOTHING IS FORWARDED" + (datapath.reason() != null ? " (" + datapath.reason() + ")" : "");
        }
        return text(datapath.mode()) + ": forwarders chosen " + forwarders(datapath.chosen()) + ", active "
                + forwarders(datapath.active());
    }

    /** How flows to a backend that left are ended here, and what is lost when they cannot be. */
    static String flowSweeps(Flows flows) {
        String module = flows.moduleSweeps() ? "; cvs.ko sweeps its conntrack entries" : "";
        if ("none".equals(flows.mechanism())) {
            return "flow sweeps: none: connected UDP clients stay on a removed backend until they time out" + module;
        }
        return "flow sweeps: sockets ended by " + flows.mechanism() + ", found by " + flows.reverseMapping()
                + module;
    }

    /**
     * What becomes of flows to a backend that leaves the service; KEEP when the daemon did not say (one older than
     * the policy kept established connections).
     */
    static String onBackendRemoval(Service service) {
        return "RESET".equals(service.onBackendRemoval())
                ? "RESET: TCP connections to a backend that leaves are reset, UDP flows ended"
                : "KEEP: TCP connections to a backend that leaves stay, UDP flows are ended";
    }

    /** In bpf mode: where socket-LB is attached, and what cvs.ko does when it is there; nothing otherwise. */
    static List<String> attachment(Datapath datapath) {
        List<String> lines = new ArrayList<>();
        if (!"bpf".equals(datapath.mode())) {
            return lines;
        }
        SocketLb socketLb = datapath.socketLb();
        lines.add(socketLb.attached()
                ? "socket-LB attached to cgroup " + socketLb.cgroupId() + ": " + socketLb.programs().stream()
                        .map(SocketLbProgram::name).collect(Collectors.joining(", "))
                : "socket-LB not attached");
        Module module = datapath.module();
        if (module != null) {
            lines.add("cvs.ko " + (module.loaded() ? "loaded" : "not loaded")
                    + (module.servesThis() ? ", serves this map set" : ", does not serve this map set") + ", "
                    + module.lookupErrors() + " lookup errors, " + module.natErrors() + " NAT errors");
        }
        if (datapath.flows() != null) {
            lines.add(flowSweeps(datapath.flows()));
        }
        return lines;
    }

    /**
     * How a service selects, short: {@code random}, {@code maglev 16381}, either followed by
     * {@code client-ip 10800s} for CLIENT_IP affinity. A daemon older than policies sends none: random.
     */
    static String scheduler(Api.Service service) {
        String scheduler = service.scheduler() == null ? "random" : service.scheduler().toLowerCase(Locale.ROOT);
        if (service.maglev() != null) {
            scheduler += " " + service.maglev().tableSize();
        }
        Api.SessionAffinity affinity = service.sessionAffinity();
        if (affinity != null && "CLIENT_IP".equals(affinity.type())) {
            scheduler += " client-ip " + affinity.timeoutSeconds() + "s";
        }
        return scheduler;
    }

    /**
     * {@code 10.0.0.2:8080  maglev  hash 2868169042  module: routed 198.51.100.7:40112}; with affinity the entry's
     * age, with random that it is one sample.
     */
    static String pick(Api.Pick pick) {
        String why = switch (pick.reason()) {
            case "affinity" -> String.format("affinity (entry last used %.1f s ago)", pick.affinityAgeSeconds());
            case "random" -> "random (one sample; the next connection may get another)";
            default -> pick.reason();
        };
        Api.PickClient client = pick.client();
        String who = "socket-lb".equals(client.kind()) ? "socket-lb: netns cookie " + client.netnsCookie()
                : pick.datapath() + ": routed " + (client.port() == null || client.port() == 0 ? client.address()
                        : IpAddress.withPort(client.address(), client.port()));
        return pick.backend() + "  " + why + "  hash " + pick.hash() + "  " + who;
    }

    /** {@code Maglev tables 1/16 of up to 16381 slots, 65536 affinity entries}. */
    static String policyCapacity(Capacity capacity) {
        return capacity.maglevTables() == null ? "none (a daemon older than selection policies)"
                : String.format("Maglev tables %d/%d of up to %d slots, %d affinity entries",
                        capacity.maglevTables().used(), capacity.maglevTables().max(), capacity.maglevSlots(),
                        capacity.affinityEntries());
    }

    /** {@code services 3/1024, backends 7/16384 (at most 64 per service, 1024 selection slots each)}. */
    static String capacity(Capacity capacity) {
        return String.format("services %d/%d, backends %d/%d (at most %d per service, %d selection slots each)",
                capacity.services().used(), capacity.services().max(), capacity.backends().used(),
                capacity.backends().max(), capacity.maxBackendsPerService(), capacity.selectionSlots());
    }

    /** {@code automatic, up to 131072 services and 1048576 backends}, or {@code off}. */
    static String growth(Api.Growth growth) {
        return growth.automatic() ? String.format("automatic, up to %d services and %d backends", growth.maxServices(),
                growth.maxBackends()) + (growth.maxMaglevTables() == 0 ? "" : String.format(", %d Maglev tables of "
                        + "up to %d slots", growth.maxMaglevTables(), growth.maxMaglevSlots()))
                : "off: a full map set refuses writes (507)";
    }

    /** {@code automatic at 2026-12-07T17:00:00Z: 1024 -> 2048 services, 16384 -> 16384 backends, in 0.042 s}. */
    static String resize(Api.Resize resize) {
        return String.format("%s at %s: %d -> %d services, %d -> %d backends, in %.3f s", resize.trigger(),
                resize.at(), resize.from().maxServices(), resize.to().maxServices(), resize.from().maxBackends(),
                resize.to().maxBackends(), resize.seconds());
    }

    // ---- apply ----

    /** What {@code apply} does to a service: + created, ~ updated, - deleted, = unchanged. */
    static String change(String kind) {
        return switch (kind) {
            case "created" -> "+";
            case "updated" -> "~";
            case "deleted" -> "-";
            default -> "=";
        };
    }

    // ---- errors ----

    /** {@code Invalid request (400): 2 fields are invalid.} */
    static String problem(Problem problem) {
        return problem.title() + " (" + problem.status() + ")" + (problem.detail() == null ? "" : ": "
                + problem.detail());
    }

    /** {@code backends[1].port: must be between 1 and 65535}. */
    static String fieldError(FieldError error) {
        return text(error.field()) + ": " + text(error.message());
    }

    private static String forwarders(List<String> forwarders) {
        return forwarders.isEmpty() ? "none" : String.join(",", forwarders);
    }

    private static String details(Map<String, JsonNode> details) {
        if (details.isEmpty()) {
            return "";
        }
        return " (" + details.entrySet().stream().map(detail -> detail.getKey() + "=" + detail.getValue().asString())
                .collect(Collectors.joining(", ")) + ")";
    }

    /** A member the daemon left out, as the JSON tree read it: empty. */
    private static String text(String value) {
        return value == null ? "" : value;
    }
}
