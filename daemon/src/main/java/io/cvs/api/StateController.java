package io.cvs.api;

import io.cvs.selection.SelectionProperties;
import io.cvs.write.ApplyResult;
import io.cvs.write.ServiceRegistry;
import io.cvs.write.ServiceWrites;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The whole desired state as one document, for backups and moving hosts: an export is exactly a bulk request's
 * body, so importing it (here or on another host) gives the same services by name. Ids are this host's and are
 * not exported; an import onto another daemon gives new ones.
 */
@RestController
@RequestMapping(path = "/api/v1/state", produces = MediaType.APPLICATION_JSON_VALUE)
class StateController {

    private final ServiceRegistry registry;
    private final SelectionProperties selection;

    private final ServiceWrites writes;

    StateController(ServiceRegistry registry, ServiceWrites writes, SelectionProperties selection) {
        this.registry = registry;
        this.writes = writes;
        this.selection = selection;
    }

    @GetMapping
    DesiredState export() {
        return new DesiredState(registry.byName().values().stream().map(s -> ServiceRequest.of(s.content())).toList());
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ApplyResult importState(@RequestBody DesiredState desired, @RequestParam(required = false) String dryRun) {
        return writes.replaceAll(desired.toConfigs(selection.maglevTableSize()), DryRun.parse(dryRun));
    }
}
