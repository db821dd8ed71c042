package io.cvs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.service.Service;
import java.util.List;
import java.util.Map;

/**
 * A service as the server returns it ({@code Service}); without a health check when it has none, without
 * {@code maglev} unless its scheduler is MAGLEV, without {@code hosts} when every host forwards it.
 */
record ServiceResponse(String id, long version, String name, String vip, int port, String protocol,
        List<BackendSpec> backends, Map<String, String> labels,
        @JsonInclude(JsonInclude.Include.NON_NULL) HealthCheckSpec healthCheck, String onBackendRemoval,
        String scheduler, @JsonInclude(JsonInclude.Include.NON_NULL) SelectionSpec.Maglev maglev,
        SelectionSpec.SessionAffinity sessionAffinity, @JsonInclude(JsonInclude.Include.NON_NULL) ServiceRequest.Hosts hosts) {

    static ServiceResponse of(Service service) {
        ServiceRequest spec = ServiceRequest.of(service.content());
        return new ServiceResponse(service.id(), service.version(), spec.name(), spec.vip(), spec.port(),
                spec.protocol(), spec.backends(), spec.labels(), spec.healthCheck(), spec.onBackendRemoval(),
                spec.scheduler(), spec.maglev(), spec.sessionAffinity(), spec.hosts());
    }
}
