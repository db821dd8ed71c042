package io.cvs.api;

import io.cvs.write.ServiceRegistry;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The maps' capacity: read it, or resize the maps to another one. A resize builds new maps beside the serving
 * ones, fills them with the desired state, switches every reader over at once and only then removes the old
 * ones, so no connection fails; it runs in order with writes and answers once it is done.
 */
@RestController
@RequestMapping(path = "/api/v1/datapath/capacity", produces = MediaType.APPLICATION_JSON_VALUE)
class CapacityController {

    private final ServiceRegistry registry;

    CapacityController(ServiceRegistry registry) {
        this.registry = registry;
    }

    @GetMapping
    CapacityResponse capacity() {
        return CapacityResponse.of(registry.capacityState());
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    CapacityResponse resize(@RequestBody CapacityRequest request) {
        registry.resize(request.toCapacity());
        return CapacityResponse.of(registry.capacityState());
    }
}
