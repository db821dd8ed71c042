package io.cvs.api;

import io.cvs.datapath.ServiceKey;
import io.cvs.service.ServiceConfig;
import io.cvs.system.InvalidRequestException;
import io.cvs.system.Violations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The body of the bulk request: the complete desired set of services. */
public record DesiredState(List<ServiceRequest> services) {

    /**
     * Every entry validated, naming {@code services[i]...}; two entries with one name or one (VIP, port, protocol)
     * are a 400 too, since only the final set must be consistent. A MAGLEV service without a table size gets
     * defaultTableSize.
     */
    List<ServiceConfig> toConfigs(int defaultTableSize) {
        Violations violations = new Violations();
        if (services == null) {
            throw InvalidRequestException.of("services", "is required", null);
        }
        List<ServiceConfig> configs = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<ServiceKey, Integer> keys = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            String prefix = "services[" + i + "].";
            if (services.get(i) == null) {
                violations.add("services[" + i + "]", "must not be null", null);
                continue;
            }
            ServiceConfig config = services.get(i).toConfig(prefix, violations, defaultTableSize);
            if (config == null) {
                continue;
            }
            Integer sameName = names.putIfAbsent(config.name(), i);
            if (sameName != null) {
                violations.add(prefix + "name", "duplicates services[" + sameName + "].name", config.name());
            }
            Integer sameKey = keys.putIfAbsent(config.key(), i);
            if (sameKey != null) {
                violations.add(prefix + "vip", "duplicates the VIP, port and protocol of services[" + sameKey + "]",
                        services.get(i).vip());
            }
            configs.add(config);
        }
        violations.throwIfAny();
        return configs;
    }
}
