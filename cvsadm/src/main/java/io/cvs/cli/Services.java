package io.cvs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Finding services through the API: by the name or id an operator types, by address, or all of them (following
 * {@code nextCursor}). Services are the API's JSON documents (openapi.yaml, {@code Service}).
 */
final class Services {

    static final String PATH = "/api/v1/services";
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String PAGE_SIZE = "1000";

    private final ApiClient api;

    Services(ApiClient api) {
        this.api = api;
    }

    /** The service with this name, or else this id; a not-found failure naming what was typed. */
    JsonNode byReference(String reference) {
        if (NAME.matcher(reference).matches()) {
            List<JsonNode> named = matching(List.of("name", reference));
            if (!named.isEmpty()) {
                return named.get(0);
            }
        }
        if (ID.matcher(reference).matches()) {
            try {
                return api.get(path(reference));
            } catch (CliFailure e) {
                if (e.httpStatus() != 404) {
                    throw e;
                }
            }
        }
        throw CliFailure.notFound("no service is named '" + reference + "' or has that id; 'cvsadm service list' "
                + "shows them");
    }

    /** The service at exactly this VIP, port and protocol, if there is one. */
    Optional<JsonNode> at(Endpoint endpoint) {
        return matching(filters(endpoint)).stream().findFirst();
    }

    /** Services matching query filters ({@code name, value, ...} pairs as {@link ApiClient#query} takes them). */
    List<JsonNode> matching(List<String> filters) {
        List<JsonNode> services = new ArrayList<>();
        String cursor = null;
        do {
            List<String> query = new ArrayList<>(filters);
            query.addAll(List.of("limit", PAGE_SIZE));
            if (cursor != null) {
                query.addAll(List.of("cursor", cursor));
            }
            JsonNode page = api.get(PATH + ApiClient.query(query));
            page.path("items").forEach(services::add);
            cursor = page.path("nextCursor").asString(null);
        } while (cursor != null);
        return services;
    }

    List<JsonNode> all() {
        return matching(List.of());
    }

    /** The query filters selecting what an endpoint names: its VIP, and its port and protocol when given. */
    static List<String> filters(Endpoint endpoint) {
        List<String> filters = new ArrayList<>(List.of("vip", endpoint.vip()));
        if (endpoint.port() != null) {
            filters.addAll(List.of("port", endpoint.port().toString()));
        }
        if (endpoint.protocol() != null) {
            filters.addAll(List.of("protocol", endpoint.protocol()));
        }
        return filters;
    }

    static String path(String id) {
        return PATH + "/" + id;
    }

    static String path(JsonNode service) {
        return path(service.path("id").asString());
    }

    /** {@code 192.0.2.10:80/TCP}. */
    static String address(JsonNode service) {
        return service.path("vip").asString() + ":" + service.path("port").asInt() + "/"
                + service.path("protocol").asString();
    }

    /** {@code web (192.0.2.10:80/TCP)}, how messages name a service. */
    static String describe(JsonNode service) {
        return service.path("name").asString() + " (" + address(service) + ")";
    }

    static String backendKey(JsonNode backend) {
        return backend.path("address").asString() + ":" + backend.path("port").asInt();
    }
}
