package io.cvs.service;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A service named by id and name; the id is absent for one that a dry run would create. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceRef(String id, String name) {

    public static ServiceRef of(Service service) {
        return new ServiceRef(service.id(), service.name());
    }
}
