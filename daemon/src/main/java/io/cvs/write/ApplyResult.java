package io.cvs.write;

import io.cvs.service.ServiceRef;
import java.util.List;

/** What a bulk request did, or with dryRun would do; each list ordered by name. */
public record ApplyResult(boolean dryRun, List<ServiceRef> created, List<ServiceRef> updated, List<ServiceRef> deleted,
        List<ServiceRef> unchanged) {
}
