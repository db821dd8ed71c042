package io.cvs.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The daemon's answers as cvsadm reads them: one record per schema of openapi.yaml ({@code components/schemas}),
 * named as there, with its members in the contract's order. They are views for tables and messages only:
 * {@code -o json|yaml} prints the answer as the daemon sent it ({@link Answer#document()}), never a record, so a
 * member no record knows is printed all the same.
 *
 * <p>Read leniently ({@link Json#view}), on purpose: a member a record does not know is ignored, since a newer
 * daemon may add members (the contract tells clients to ignore what they do not know) and cvsadm should keep
 * working against it; a missing number reads as 0 and a missing list or map as empty, as reading the JSON tree
 * did before. A missing object stays null where the contract makes it optional ({@code healthCheck},
 * {@code module}); a required one is trusted to be there. Date-times stay strings: they are shown as the daemon
 * wrote them.
 */
final class Api {

    private Api() {
    }

    /** A backend named by address and port: {@link Backend}, {@link BackendHealth}, {@link BackendStats}. */
    interface Addressed {

        String address();

        int port();

        /**
         * {@code 10.0.0.1:8080}, {@code [fd00::1]:8080}: the {@code backendKey} by which the API names a backend
         * within its service.
         */
        default String key() {
            return IpAddress.withPort(address(), port());
        }
    }

    // ---- services ----

    record Backend(String address, int port, int weight) implements Addressed {
    }

    /**
     * {@code onBackendRemoval} is KEEP or RESET; null from a daemon older than the policy (which kept). The
     * selection policy ({@code scheduler}, {@code maglev}, {@code sessionAffinity}) is null from a daemon older than
     * policies, whose services were all RANDOM without affinity.
     */
    record Service(String id, long version, String name, String vip, int port, String protocol, List<Backend> backends,
            Map<String, String> labels, HealthCheck healthCheck, String onBackendRemoval, String scheduler,
            Maglev maglev, SessionAffinity sessionAffinity) {
        Service {
            backends = orEmpty(backends);
            labels = orEmpty(labels);
        }

        /** This service with other backends, the rest kept. */
        Service withBackends(List<Backend> others) {
            return new Service(id, version, name, vip, port, protocol, others, labels, healthCheck, onBackendRemoval,
                    scheduler, maglev, sessionAffinity);
        }
    }

    /** Only with the scheduler MAGLEV. */
    record Maglev(int tableSize) {
    }

    /** {@code type} NONE or CLIENT_IP; {@code timeoutSeconds} only with CLIENT_IP. */
    record SessionAffinity(String type, Integer timeoutSeconds) {
    }

    /** {@code GET /api/v1/services/{id}/pick}: the backend a datapath would choose now for a client, and why. */
    record Pick(String service, String vip, String backend, String reason, boolean sample, Double affinityAgeSeconds,
            long hash, String datapath, PickClient client) {
    }

    /** How the datapath knows the client: {@code socket-lb} by netns cookie, {@code routed} by address and port. */
    record PickClient(String kind, long netnsCookie, String address, Integer port) {
    }

    /** Returned with every default filled in; {@code port} is null for each backend's own. */
    record HealthCheck(String type, Integer port, int intervalMs, int timeoutMs, int rise, int fall,
            String initialState, String whenAllDown, String path, String expectedStatus, String send, String expect) {
    }

    /** One page of services; {@code nextCursor} is null on the last. */
    record ServiceList(List<Service> items, String nextCursor) {
        ServiceList {
            items = orEmpty(items);
        }
    }

    // ---- health ----

    record ServiceHealth(String serviceId, String name, HealthCheck healthCheck, boolean allDown,
            List<BackendHealth> backends) {
        ServiceHealth {
            backends = orEmpty(backends);
        }

        /** The backends by {@link Addressed#key()}, in configured order. */
        Map<String, BackendHealth> byKey() {
            Map<String, BackendHealth> byKey = new LinkedHashMap<>();
            backends.forEach(backend -> byKey.put(backend.key(), backend));
            return byKey;
        }
    }

    /** {@code state} is UP, DOWN or UNCHECKED; {@code since}, {@code lastProbeAt}, {@code lastResult} may be absent. */
    record BackendHealth(String address, int port, int weight, String state, boolean inRotation, String since,
            String lastProbeAt, String lastResult, int successesInRow, int failuresInRow) implements Addressed {
    }

    // ---- stats ----

    /** {@code rate} is {@link ServiceRate#NONE} until the daemon has two samples. */
    record ServiceStats(String serviceId, String name, String readAt, long refused, long retried, ServiceRate rate,
            List<BackendStats> backends) {
        ServiceStats {
            rate = rate == null ? ServiceRate.NONE : rate;
            backends = orEmpty(backends);
        }

        /** The service's connections: its backends', summed. */
        long connections() {
            return backends.stream().mapToLong(BackendStats::connections).sum();
        }

        long packets() {
            return backends.stream().mapToLong(BackendStats::packets).sum();
        }

        long bytes() {
            return backends.stream().mapToLong(BackendStats::bytes).sum();
        }
    }

    /** Each rate is null where the daemon has none: not two samples yet, or not counted by this datapath. */
    record ServiceRate(String sampledAt, double windowSeconds, Double connectionsPerSecond, Double packetsPerSecond,
            Double bytesPerSecond, Double refusedPerSecond) {
        static final ServiceRate NONE = new ServiceRate(null, 0, null, null, null, null);
    }

    /** {@code rate} is {@link BackendRate#NONE} until the daemon has two samples. */
    record BackendStats(String address, int port, int weight, long connections, long packets, long bytes,
            BackendRate rate) implements Addressed {
        BackendStats {
            rate = rate == null ? BackendRate.NONE : rate;
        }
    }

    /** Each rate is null where the daemon has none. */
    record BackendRate(Double connectionsPerSecond, Double packetsPerSecond, Double bytesPerSecond) {
        static final BackendRate NONE = new BackendRate(null, null, null);
    }

    // ---- datapath ----

    /** {@code mode} is bpf or memory; {@code module} is null in memory mode, {@code reason} unless it fell back. */
    record Datapath(String mode, List<String> chosen, List<String> active, Module module, String reason,
            SocketLb socketLb, Capacity capacity, Flows flows) {
        Datapath {
            chosen = orEmpty(chosen);
            active = orEmpty(active);
        }
    }

    /** cvs.ko. */
    record Module(boolean loaded, boolean bound, boolean servesThis, boolean orphaned, long binds, long bindErrors,
            long lookupErrors, long natErrors) {
    }

    record SocketLb(boolean attached, long cgroupId, List<SocketLbProgram> programs) {
        SocketLb {
            programs = orEmpty(programs);
        }
    }

    record SocketLbProgram(String name, int programId, int linkId) {
    }

    /** How flows to a backend that left a service are ended: mechanism bpf_iter, netlink or none. */
    record Flows(String mechanism, String reverseMapping, boolean moduleSweeps) {
    }

    /** The policy maps' fields are 0 (or null) from a daemon older than selection policies. */
    record Capacity(Usage services, Usage backends, int maxBackendsPerService, int selectionSlots,
            int affinityEntries, Usage maglevTables, int maglevSlots) {
    }

    record Usage(int used, int max) {
    }

    /** GET and PUT /api/v1/datapath/capacity; {@code lastResize} is null when there was none. */
    /** The policy maps' fields are 0 (or null) from a daemon older than selection policies. */
    record CapacityState(Usage services, Usage backends, int maxBackendsPerService, int selectionSlots,
            int affinityEntries, Usage maglevTables, int maglevSlots, Growth growth, long resizes,
            Resize lastResize) {
    }

    record Growth(boolean automatic, int maxServices, int maxBackends, int maxMaglevTables, int maxMaglevSlots) {
    }

    record Size(int maxServices, int maxBackends, int maxBackendsPerService, int selectionSlots) {
    }

    record Resize(String trigger, Size from, Size to, String at, double seconds) {
    }

    // ---- the bulk endpoint ----

    /** {@code id} is null for a service a dry run would create. */
    record ServiceRef(String id, String name) {
    }

    record ApplyResult(boolean dryRun, List<ServiceRef> created, List<ServiceRef> updated, List<ServiceRef> deleted,
            List<ServiceRef> unchanged) {
        ApplyResult {
            created = orEmpty(created);
            updated = orEmpty(updated);
            deleted = orEmpty(deleted);
            unchanged = orEmpty(unchanged);
        }

        /** The four lists by their member's name, in the order cvsadm prints them. */
        Map<String, List<ServiceRef>> byKind() {
            Map<String, List<ServiceRef>> byKind = new LinkedHashMap<>();
            byKind.put("created", created);
            byKind.put("updated", updated);
            byKind.put("deleted", deleted);
            byKind.put("unchanged", unchanged);
            return byKind;
        }
    }

    // ---- errors ----

    /** An RFC 9457 problem: the body of every 4xx and 5xx; {@code errors} for a 400. */
    record Problem(String type, String title, int status, String detail, List<FieldError> errors) {
        Problem {
            errors = orEmpty(errors);
        }

        /**
         * The problem in an answer's body, with the answer's status; one made from the status when the body is
         * not a problem (an empty body, a proxy's page).
         */
        static Problem of(int status, String body) {
            JsonNode json;
            try {
                json = Json.JSON.readTree(body);
            } catch (RuntimeException notJson) {
                json = null;
            }
            if (json == null || !json.isObject() || !json.has("title")) {
                return new Problem("about:blank", "HTTP " + status, status, body.isBlank() ? null : body.strip(),
                        List.of());
            }
            Problem sent = Json.view(json, Problem.class);
            return new Problem(sent.type() == null ? "about:blank" : sent.type(), sent.title(), status,
                    sent.detail(), sent.errors());
        }
    }

    record FieldError(String field, String message) {
    }

    // ---- Spring Boot's actuator, which openapi.yaml leaves to Spring ----

    /** {@code /actuator/health}: the overall status and each component's; details as the component gives them. */
    record Health(String status, Map<String, HealthComponent> components) {
        Health {
            components = orEmpty(components);
        }

        /** The component of this name; one without status or details when the daemon has none of it. */
        HealthComponent component(String name) {
            return components.getOrDefault(name, new HealthComponent(null, Map.of()));
        }
    }

    record HealthComponent(String status, Map<String, JsonNode> details) {
        HealthComponent {
            details = orEmpty(details);
        }
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** Not {@code Map.copyOf}: labels and details keep the daemon's order. */
    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
