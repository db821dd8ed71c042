package io.cvs.service;

import io.cvs.datapath.ServiceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The body of the bulk request: the complete desired set of services. */
record DesiredState(List<ServiceSpec> services) {

    /**
     * Every entry validated, naming {@code services[i]...}; two entries with one name or one (VIP, port, protocol)
     * are a 400 too, since only the final set must be consistent.
     */
    List<ServiceDraft> toDrafts() {
        Violations violations = new Violations();
        if (services == null) {
            throw InvalidRequestException.of("services", "is required", null);
        }
        List<ServiceDraft> drafts = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<ServiceKey, Integer> keys = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            String prefix = "services[" + i + "].";
            if (services.get(i) == null) {
                violations.add("services[" + i + "]", "must not be null", null);
                continue;
            }
            ServiceDraft draft = services.get(i).toDraft(prefix, violations);
            if (draft == null) {
                continue;
            }
            Integer sameName = names.putIfAbsent(draft.name(), i);
            if (sameName != null) {
                violations.add(prefix + "name", "duplicates services[" + sameName + "].name", draft.name());
            }
            Integer sameKey = keys.putIfAbsent(draft.key(), i);
            if (sameKey != null) {
                violations.add(prefix + "vip", "duplicates the VIP, port and protocol of services[" + sameKey + "]",
                        services.get(i).vip());
            }
            drafts.add(draft);
        }
        violations.throwIfAny();
        return drafts;
    }
}
