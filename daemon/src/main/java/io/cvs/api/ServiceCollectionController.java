package io.cvs.api;

import io.cvs.selection.SelectionProperties;
import io.cvs.service.Service;
import io.cvs.write.ApplyResult;
import io.cvs.write.ServiceRegistry;
import io.cvs.write.ServiceWrites;
import java.net.URI;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The collection of services: list with filters and pages, create one, or replace them all (bulk). */
@RestController
@RequestMapping(path = "/api/v1/services", produces = MediaType.APPLICATION_JSON_VALUE)
class ServiceCollectionController {

    private final ServiceRegistry registry;
    private final SelectionProperties selection;

    private final ServiceWrites writes;

    ServiceCollectionController(ServiceRegistry registry, ServiceWrites writes, SelectionProperties selection) {
        this.registry = registry;
        this.writes = writes;
        this.selection = selection;
    }

    @GetMapping
    ServiceQuery.Page list(@RequestParam(required = false) String name, @RequestParam(required = false) String vip,
            @RequestParam(required = false) String port, @RequestParam(required = false) String protocol,
            @RequestParam(name = "label", required = false) List<String> labels,
            @RequestParam(required = false) String limit, @RequestParam(required = false) String cursor) {
        return ServiceQuery.parse(name, vip, port, protocol, labels, limit, cursor).page(registry.byName());
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ServiceResponse> create(@RequestBody ServiceRequest spec) {
        Service created = writes.create(spec.toConfig("", selection.maglevTableSize()));
        return ResponseEntity.created(URI.create("/api/v1/services/" + created.id())).eTag(created.etag())
                .body(ServiceResponse.of(created));
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ApplyResult apply(@RequestBody DesiredState desired, @RequestParam(required = false) String dryRun) {
        return writes.replaceAll(desired.toConfigs(selection.maglevTableSize()), DryRun.parse(dryRun));
    }
}
