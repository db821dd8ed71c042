package io.cvs.api;

import io.cvs.address.AddressRules;
import io.cvs.address.IpAddresses;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.selection.SelectionPolicy;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.service.BackendKey;
import io.cvs.service.HostSelector;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.ServiceConfig;
import io.cvs.system.Violations;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A service as clients send it ({@code ServiceRequest}): the body of POST and PUT, each entry of the bulk request,
 * and what a merge patch is applied to. Omitted backends or labels mean none; an explicit null is refused before
 * (see {@link ExplicitNulls}). {@link #toConfig} validates it.
 */
public record ServiceRequest(String name, String vip, Integer port, String protocol, List<BackendSpec> backends,
        Map<String, String> labels, @JsonInclude(JsonInclude.Include.NON_NULL) HealthCheckSpec healthCheck,
        @JsonInclude(JsonInclude.Include.NON_NULL) String onBackendRemoval,
        @JsonInclude(JsonInclude.Include.NON_NULL) String scheduler,
        @JsonInclude(JsonInclude.Include.NON_NULL) SelectionSpec.Maglev maglev,
        @JsonInclude(JsonInclude.Include.NON_NULL) SelectionSpec.SessionAffinity sessionAffinity,
        @JsonInclude(JsonInclude.Include.NON_NULL) Hosts hosts) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?");
    public static final int MAX_LABELS = 32;
    public static final int MAX_LABEL_VALUE = 256;

    /** A service without a health check. */
    public ServiceRequest(String name, String vip, Integer port, String protocol, List<BackendSpec> backends,
            Map<String, String> labels) {
        this(name, vip, port, protocol, backends, labels, null);
    }

    /** A service with the default removal policy (KEEP). */
    public ServiceRequest(String name, String vip, Integer port, String protocol, List<BackendSpec> backends,
            Map<String, String> labels, HealthCheckSpec healthCheck) {
        this(name, vip, port, protocol, backends, labels, healthCheck, null);
    }

    /** A service that selects at random without affinity (the defaults). */
    public ServiceRequest(String name, String vip, Integer port, String protocol, List<BackendSpec> backends,
            Map<String, String> labels, HealthCheckSpec healthCheck, String onBackendRemoval) {
        this(name, vip, port, protocol, backends, labels, healthCheck, onBackendRemoval, null, null, null);
    }

    /**
     * {@code "hosts": {"matchLabels": {"zone": "a"}}}: the hosts that forward a service, those whose labels
     * ({@code cvs.fleet.host-labels}) include all of matchLabels. Absent, or no labels: every host.
     */
    public record Hosts(Map<String, String> matchLabels) {

        static Hosts of(HostSelector selector) {
            return selector.isAll() ? null : new Hosts(selector.matchLabels());
        }

        /** The selector, or null with the reasons added to violations; label rules as for a service's labels. */
        HostSelector toSelector(String prefix, Violations violations) {
            if (matchLabels == null) {
                return HostSelector.ALL;
            }
            int before = violations.size();
            checkLabels(matchLabels, prefix + "hosts.matchLabels", violations);
            return violations.size() > before ? null : HostSelector.matching(matchLabels);
        }
    }

    /** A service that every host forwards. */
    public ServiceRequest(String name, String vip, Integer port, String protocol, List<BackendSpec> backends,
            Map<String, String> labels, HealthCheckSpec healthCheck, String onBackendRemoval, String scheduler,
            SelectionSpec.Maglev maglev, SelectionSpec.SessionAffinity sessionAffinity) {
        this(name, vip, port, protocol, backends, labels, healthCheck, onBackendRemoval, scheduler, maglev,
                sessionAffinity, null);
    }

    /** The request that gives this content: what the API shows of a service, and what the fleet stores. */
    public static ServiceRequest of(ServiceConfig config) {
        ServiceKey key = config.key();
        return new ServiceRequest(config.name(), IpAddresses.text(key.vip()), key.port(), key.protocol().name(),
                config.backends().stream().map(BackendSpec::of).toList(), config.labels(),
                config.healthCheck() == null ? null : HealthCheckSpec.of(config.healthCheck()),
                config.onBackendRemoval().name(), config.selection().scheduler().name(),
                SelectionSpec.maglevOf(config.selection()), SelectionSpec.SessionAffinity.of(config.selection()),
                Hosts.of(config.hosts()));
    }

    /** {@link #toConfig(String, int)} with libcvsbpf's default Maglev table size. */
    public ServiceConfig toConfig(String prefix) {
        return toConfig(prefix, SelectionPolicy.TABLE_SIZE_DEFAULT);
    }

    /**
     * The validated content, or a 400 naming every offending field under prefix ({@code services[0].}); a MAGLEV
     * service without a table size gets defaultTableSize (cvs.selection.maglev-table-size).
     */
    public ServiceConfig toConfig(String prefix, int defaultTableSize) {
        Violations violations = new Violations();
        ServiceConfig config = toConfig(prefix, violations, defaultTableSize);
        violations.throwIfAny();
        return config;
    }

    /** The validated content, or null with the reasons added to violations (which may hold others' already). */
    public ServiceConfig toConfig(String prefix, Violations violations, int defaultTableSize) {
        int before = violations.size();
        if (name == null || !NAME.matcher(name).matches()) {
            violations.add(prefix + "name", name == null ? "is required"
                    : "must be a DNS label: 1 to 63 of a-z, 0-9 and '-', starting and ending with a letter or digit",
                    name);
        }
        InetAddress address = vip(prefix + "vip", violations);
        boolean portOk = checkPort(port, prefix + "port", violations);
        Protocol proto = protocol(prefix + "protocol", violations);
        List<Backend> members = backends(prefix, address, violations);
        checkLabels(labels, prefix + "labels", violations);
        HostSelector selector = hosts == null ? HostSelector.ALL : hosts.toSelector(prefix, violations);
        HealthCheck check = healthCheck == null ? null : healthCheck.toCheck(prefix + "healthCheck.", violations);
        OnBackendRemoval policy = onBackendRemoval(prefix + "onBackendRemoval", violations);
        SelectionPolicy selection = SelectionSpec.toPolicy(scheduler, maglev, sessionAffinity, members.size(),
                defaultTableSize, prefix, violations);
        if (violations.size() > before) {
            return null;
        }
        return new ServiceConfig(name, new ServiceKey(address, port, proto), members,
                labels == null ? new TreeMap<>() : new TreeMap<>(labels), check, policy, selection, selector);
    }

    /** Omitted: KEEP, what every service did before the policy existed. */
    private OnBackendRemoval onBackendRemoval(String field, Violations violations) {
        if (onBackendRemoval == null) {
            return OnBackendRemoval.KEEP;
        }
        for (OnBackendRemoval policy : OnBackendRemoval.values()) {
            if (policy.name().equals(onBackendRemoval)) {
                return policy;
            }
        }
        violations.add(field, "must be one of KEEP, RESET", onBackendRemoval);
        return null;
    }

    static boolean checkPort(Integer port, String field, Violations violations) {
        if (port == null || port < 1 || port > 65535) {
            violations.add(field, port == null ? "is required" : "must be between 1 and 65535", port);
            return false;
        }
        return true;
    }

    private InetAddress vip(String field, Violations violations) {
        if (vip == null) {
            violations.add(field, "is required", null);
            return null;
        }
        String refused = AddressRules.refusedAsVip(vip);
        if (refused != null) {
            violations.add(field, refused, vip);
            return null;
        }
        return IpAddresses.parse(vip);
    }

    private Protocol protocol(String field, Violations violations) {
        for (Protocol p : Protocol.values()) {
            if (p.name().equals(protocol)) {
                return p;
            }
        }
        violations.add(field, protocol == null ? "is required" : "must be one of TCP, UDP", protocol);
        return null;
    }

    /** vip: the service's, null when it was refused (then the families are not compared). */
    private List<Backend> backends(String prefix, InetAddress vip, Violations violations) {
        List<Backend> members = new ArrayList<>();
        Map<BackendKey, Integer> seen = new HashMap<>();
        List<BackendSpec> specs = backends == null ? List.of() : backends;
        for (int i = 0; i < specs.size(); i++) {
            String field = prefix + "backends[" + i + "]";
            if (specs.get(i) == null) {
                violations.add(field, "must not be null", null);
                continue;
            }
            Backend backend = specs.get(i).toBackend(field + ".", violations);
            if (backend == null) {
                continue;
            }
            String family = vip == null ? null : AddressRules.refusedBesideVip(backend.address(), vip);
            if (family != null) {
                violations.add(field + ".address", family, specs.get(i).address());
                continue;
            }
            Integer first = seen.putIfAbsent(BackendKey.of(backend), i);
            if (first != null && violations.full()) {
                violations.add(field, null, null); // counted only: building the message is the cost
            } else if (first != null) {
                violations.add(field, "duplicates " + prefix + "backends[" + first + "] (" + BackendKey.of(backend)
                        + ")", Map.of("address", specs.get(i).address(), "port", backend.port()));
            }
            members.add(backend);
        }
        return members;
    }

    /** Labels (name: their field, e.g. {@code labels}) as the contract allows them; also a selector's. */
    static void checkLabels(Map<String, String> labels, String name, Violations violations) {
        if (labels == null) {
            return;
        }
        if (labels.size() > MAX_LABELS) {
            violations.add(name, "must have at most " + MAX_LABELS + " labels", null);
        }
        labels.forEach((key, value) -> {
            String field = name + "[" + key + "]";
            if (!LABEL_KEY.matcher(key).matches()) {
                violations.add(field, "key must be 1 to 128 of A-Z, a-z, 0-9, '.', '_', '/' and '-', starting and "
                        + "ending with a letter or digit", key);
            } else if (value == null) {
                violations.add(field, "must be a string", null);
            } else if (value.length() > MAX_LABEL_VALUE) {
                violations.add(field, "must be at most " + MAX_LABEL_VALUE + " characters", value);
            } else if (unsafeText(value) != null) {
                violations.add(field, unsafeText(value), null);
            }
        });
    }

    /**
     * Why text that is shown to operators (a label value) cannot be stored, or null: a control character other
     * than tab (NUL among them, also as an overlong UTF-8 encoding decodes it), a bidi override or isolate
     * (U+202A to U+202E, U+2066 to U+2069: they make a listing show other text than it holds), or a surrogate
     * that is not half of a pair (no Unicode text has one). The rejected value is not echoed back.
     */
    static String unsafeText(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must be Unicode text: a lone surrogate (U+" + hex(c) + ") is none";
            } else if (Character.isISOControl(c) && c != '\t') {
                return "must not hold control characters (U+" + hex(c) + "); tab is the only one allowed";
            } else if (c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069') {
                return "must not hold bidirectional override or isolate characters (U+" + hex(c) + ")";
            }
        }
        return null;
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }
}
