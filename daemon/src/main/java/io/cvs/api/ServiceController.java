package io.cvs.api;

import io.cvs.datapath.Datapath;
import io.cvs.health.HealthMonitor;
import io.cvs.selection.SelectionProperties;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.traffic.AlignedCounters;
import io.cvs.traffic.ServiceStats;
import io.cvs.traffic.TrafficRates;
import io.cvs.write.ServiceRegistry;
import io.cvs.write.ServiceWrites;
import java.time.Instant;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One service: read (304 while {@code If-None-Match} names the current ETag, or is {@code *}), replace, merge
 * patch, delete, its counters and its backends' health. Writes honour {@code If-Match}.
 */
@RestController
@RequestMapping(path = "/api/v1/services/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
class ServiceController {

    static final String MERGE_PATCH = "application/merge-patch+json";

    private final ServiceRegistry registry;
    private final ServiceWrites writes;
    private final Datapath datapath;
    private final HealthMonitor health;
    private final TrafficRates rates;
    private final JsonMapper json;
    private final SelectionProperties selection;

    ServiceController(ServiceRegistry registry, ServiceWrites writes, Datapath datapath, HealthMonitor health,
            TrafficRates rates, JsonMapper json, SelectionProperties selection) {
        this.selection = selection;
        this.registry = registry;
        this.writes = writes;
        this.datapath = datapath;
        this.health = health;
        this.rates = rates;
        this.json = json;
    }

    @GetMapping
    ResponseEntity<ServiceResponse> get(@PathVariable String id,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        Service service = registry.get(id);
        if (ifNoneMatch != null && Precondition.isCurrent(ifNoneMatch, service)) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(service.etag()).build();
        }
        return answer(service);
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ServiceResponse> replace(@PathVariable String id, @RequestBody ServiceRequest spec,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        ServiceConfig config = spec.toConfig("", selection.maglevTableSize());
        return answer(writes.update(id, Precondition.ifMatch(ifMatch), current -> config).after());
    }

    @PatchMapping(consumes = MERGE_PATCH)
    ResponseEntity<ServiceResponse> patch(@PathVariable String id, @RequestBody JsonNode patch,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        MergePatch.check(patch);
        Precondition precondition = Precondition.ifMatch(ifMatch);
        return answer(writes.update(id, precondition, current -> MergePatch.apply(current, patch, json,
                selection.maglevTableSize())).after());
    }

    @DeleteMapping
    ResponseEntity<Void> delete(@PathVariable String id,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        writes.delete(id, Precondition.ifMatch(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/stats")
    ServiceStats stats(@PathVariable String id) {
        Service service = registry.get(id);
        Instant readAt = Instant.now();
        return ServiceStats.of(service, AlignedCounters.read(service, datapath), readAt, rates.of(service));
    }

    @GetMapping("/health")
    ServiceHealth health(@PathVariable String id) {
        return ServiceHealth.of(registry.get(id), registry.down(), health::health);
    }

    private static ResponseEntity<ServiceResponse> answer(Service service) {
        return ResponseEntity.ok().eTag(service.etag()).body(ServiceResponse.of(service));
    }
}
