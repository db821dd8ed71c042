package io.cvs.service;

import io.cvs.system.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code If-Match} header: absent (last writer wins), {@code *} (the target must exist) or strong entity tags
 * of which one must be the service's current one. A weak tag never matches.
 */
public record Precondition(boolean any, List<String> tags) {

    public static final Precondition NONE = new Precondition(false, null);

    public static Precondition ifMatch(String header) {
        if (header == null) {
            return NONE;
        }
        if (header.trim().equals("*")) {
            return new Precondition(true, List.of());
        }
        List<String> tags = new ArrayList<>();
        for (String tag : header.split(",")) {
            String t = tag.trim();
            boolean weak = t.startsWith("W/");
            String opaque = weak ? t.substring(2) : t;
            if (opaque.length() < 2 || !opaque.startsWith("\"") || !opaque.endsWith("\"")) {
                throw InvalidRequestException.of("If-Match", "must be * or entity tags such as \"7\"", header);
            }
            if (!weak) {
                tags.add(opaque);
            }
        }
        return new Precondition(false, tags);
    }

    /** Passes when the service matches (it exists: the 404 came first), else a 412 with its current tag. */
    public void check(Service current) {
        if (tags == null || any || tags.contains(current.etag())) {
            return;
        }
        String asked = tags.isEmpty() ? "a weak tag, which never matches for a change" : String.join(", ", tags);
        throw ServiceProblems.preconditionFailed(current,
                "The service is at version " + current.version() + ", not " + asked + ".");
    }

    /** True when an {@code If-None-Match} header names the service's current tag (weak comparison) or is {@code *}. */
    public static boolean isCurrent(String ifNoneMatch, Service service) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.trim();
            if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(service.etag())) {
                return true;
            }
        }
        return false;
    }
}
