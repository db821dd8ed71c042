package io.cvs.fleet;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/fleet}: the fleet's hosts and store as this host sees them; this host alone when single. */
@RestController
class FleetController {

    private final FleetOverview overview;

    FleetController(FleetOverview overview) {
        this.overview = overview;
    }

    @GetMapping(path = "/api/v1/fleet", produces = MediaType.APPLICATION_JSON_VALUE)
    FleetResponse fleet() {
        return overview.overview();
    }
}
