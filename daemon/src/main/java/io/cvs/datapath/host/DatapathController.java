package io.cvs.datapath.host;

import io.cvs.datapath.Datapath;
import io.cvs.ownership.MapOwnership;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The datapath's state over HTTP (viewer or admin token). */
@RestController
@RequestMapping(path = "/api/v1/datapath", produces = MediaType.APPLICATION_JSON_VALUE)
class DatapathController {

    private final Datapath datapath;
    /** Absent where no write pipeline runs (a web slice test): then there is no mismatch to tell. */
    private final ObjectProvider<MapOwnership> ownership;

    DatapathController(Datapath datapath, ObjectProvider<MapOwnership> ownership) {
        this.datapath = datapath;
        this.ownership = ownership;
    }

    @GetMapping
    DatapathResponse status() {
        MapOwnership owner = ownership.getIfAvailable();
        return DatapathResponse.of(datapath.status(), datapath.flowSupport())
                .withJournalMismatch(owner == null ? null : owner.mismatch().orElse(null));
    }
}
