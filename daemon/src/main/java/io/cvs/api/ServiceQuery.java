package io.cvs.api;

import io.cvs.address.AddressRules;
import io.cvs.address.IpAddresses;
import io.cvs.service.Service;
import io.cvs.system.InvalidRequestException;
import io.cvs.system.Violations;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The filters, page size and cursor of {@code GET /api/v1/services}, validated. A cursor is the last name of the
 * previous page with a fingerprint of the filters it was issued for, base64url-encoded; it never expires.
 */
record ServiceQuery(String name, String vip, Integer port, String protocol, List<String> labels, int limit,
        String after) {

    private static final Pattern SELECTOR =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?(=.{0,256})?", Pattern.DOTALL);
    private static final int MAX_SELECTORS = 32;

    /** One page: the services and, unless this is the last page, the cursor of the next. */
    record Page(List<ServiceResponse> items, String nextCursor) {
    }

    static ServiceQuery parse(String name, String vip, String port, String protocol, List<String> labels,
            String limit, String cursor) {
        Violations violations = new Violations();
        InetAddress vipAddress = IpAddresses.parse(vip);
        if (vip != null && vipAddress == null) {
            violations.add("vip", AddressRules.NOT_AN_ADDRESS, vip);
        }
        Integer portNumber = port == null ? null : number(port, 1, 65535, "port", violations);
        if (protocol != null && !protocol.equals("TCP") && !protocol.equals("UDP")) {
            violations.add("protocol", "must be one of TCP, UDP", protocol);
        }
        List<String> selectors = labels == null ? List.of() : labels;
        if (selectors.size() > MAX_SELECTORS) {
            violations.add("label", "at most " + MAX_SELECTORS + " selectors", null);
        }
        selectors.stream().filter(s -> !SELECTOR.matcher(s).matches())
                .forEach(s -> violations.add("label", "must be key or key=value", s));
        Integer size = limit == null ? Integer.valueOf(100) : number(limit, 1, 1000, "limit", violations);
        violations.throwIfAny();
        // compared in canonical form: 2001:DB8::A finds 2001:db8::a
        String canonicalVip = vipAddress == null ? null : IpAddresses.text(vipAddress);
        ServiceQuery query = new ServiceQuery(name, canonicalVip, portNumber, protocol, selectors, size, null);
        return cursor == null ? query : query.after(cursor);
    }

    Page page(NavigableMap<String, Service> byName) {
        Map<String, Service> from = after == null ? byName : byName.tailMap(after, false);
        List<ServiceResponse> items = new ArrayList<>();
        for (Service service : from.values()) {
            if (!matches(service)) {
                continue;
            }
            if (items.size() == limit) {
                return new Page(items, cursor(items.get(items.size() - 1).name()));
            }
            items.add(ServiceResponse.of(service));
        }
        return new Page(items, null);
    }

    boolean matches(Service s) {
        return (name == null || name.equals(s.name()))
                && (vip == null || vip.equals(IpAddresses.text(s.key().vip())))
                && (port == null || port == s.key().port())
                && (protocol == null || protocol.equals(s.key().protocol().name()))
                && labels.stream().allMatch(selector -> selects(selector, s.content().labels()));
    }

    private static boolean selects(String selector, Map<String, String> labels) {
        int eq = selector.indexOf('=');
        return eq < 0 ? labels.containsKey(selector)
                : selector.substring(eq + 1).equals(labels.get(selector.substring(0, eq)));
    }

    private String cursor(String lastName) {
        String text = fingerprint() + "\n" + lastName;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private ServiceQuery after(String cursor) {
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw InvalidRequestException.of("cursor", "does not decode", cursor);
        }
        int newline = text.indexOf('\n');
        if (newline < 0) {
            throw InvalidRequestException.of("cursor", "does not decode", cursor);
        }
        if (!text.substring(0, newline).equals(fingerprint())) {
            throw InvalidRequestException.of("cursor", "issued for other filters", cursor);
        }
        return new ServiceQuery(name, vip, port, protocol, labels, limit, text.substring(newline + 1));
    }

    /** The filters a cursor belongs to (not the limit: a client may change the page size between pages). */
    private String fingerprint() {
        return Integer.toHexString(Objects.hash(name, vip, port, protocol, labels.stream().sorted().toList()));
    }

    private static Integer number(String text, int min, int max, String field, Violations violations) {
        try {
            int n = Integer.parseInt(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        violations.add(field, "must be an integer between " + min + " and " + max, text);
        return null;
    }
}
