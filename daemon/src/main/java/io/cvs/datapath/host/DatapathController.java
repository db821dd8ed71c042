package io.cvs.datapath.host;

import io.cvs.datapath.Datapath;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The datapath's state over HTTP (viewer or admin token). */
@RestController
@RequestMapping(path = "/api/v1/datapath", produces = MediaType.APPLICATION_JSON_VALUE)
class DatapathController {

    private final Datapath datapath;

    DatapathController(Datapath datapath) {
        this.datapath = datapath;
    }

    @GetMapping
    DatapathResponse status() {
        return DatapathResponse.of(datapath.status(), datapath.flowSupport());
    }
}
