package io.cvs.cli;

import io.cvs.cli.Api.Service;
import io.cvs.cli.Api.ServiceHealth;
import io.cvs.cli.Api.ServiceList;
import io.cvs.cli.Api.ServiceStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finding services through the API: by the name or id an operator types, by address, or all of them (following
 * {@code nextCursor}); and a service's stats and health. Each comes as an {@link Answer}: the document as sent
 * and its {@link Api} view.
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
    Answer<Service> byReference(String reference) {
        if (NAME.matcher(reference).matches()) {
            List<Answer<Service>> named = matching(List.of("name", reference));
            if (!named.isEmpty()) {
                return named.get(0);
            }
        }
        if (ID.matcher(reference).matches()) {
            try {
                return Answer.of(api.get(path(reference)), Service.class);
            } catch (CliFailure e) {
                if (e.httpStatus() != 404) {
                    throw e;
                }
            }
        }
        throw CliFailure.notFound("no service is named '" + reference + "' or has that id; 'cvsadm service list' "
                + "shows them");
    }

    /** The services named or with these ids, in that order; every service when none is named. */
    List<Answer<Service>> byReferences(List<String> references) {
        return references.isEmpty() ? all() : references.stream().map(this::byReference).toList();
    }

    /** The service at exactly this VIP, port and protocol, if there is one. */
    Optional<Answer<Service>> at(Endpoint endpoint) {
        return matching(filters(endpoint)).stream().findFirst();
    }

    /** Services matching query filters ({@code name, value, ...} pairs as {@link ApiClient#query} takes them). */
    List<Answer<Service>> matching(List<String> filters) {
        List<Answer<Service>> services = new ArrayList<>();
        String cursor = null;
        do {
            List<String> query = new ArrayList<>(filters);
            query.addAll(List.of("limit", PAGE_SIZE));
            if (cursor != null) {
                query.addAll(List.of("cursor", cursor));
            }
            Answer<ServiceList> page = Answer.of(api.get(PATH + ApiClient.query(query)), ServiceList.class);
            services.addAll(page.items("items", ServiceList::items));
            cursor = page.view().nextCursor();
        } while (cursor != null);
        return services;
    }

    List<Answer<Service>> all() {
        return matching(List.of());
    }

    Answer<ServiceStats> stats(Service service) {
        return Answer.of(api.get(path(service) + "/stats"), ServiceStats.class);
    }

    Answer<ServiceHealth> health(Service service) {
        return Answer.of(api.get(path(service) + "/health"), ServiceHealth.class);
    }

    /** The query filters selecting what an endpoint names: its VIP, and its port and protocol when given. */
    static List<String> filters(Endpoint endpoint) {
        List<String> filters = new ArrayList<>(List.of("vip", endpoint.vip().toString()));
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

    static String path(Service service) {
        return path(service.id());
    }

    /**
     * {@code .../backends/%5Bfd00::1%5D:8080}: the path of a backend by its key. Brackets may not stand in a URI's
     * path, so they are percent-encoded; the colons may.
     */
    static String backendPath(Service service, String key) {
        return path(service) + "/backends/" + key.replace("[", "%5B").replace("]", "%5D");
    }
}
