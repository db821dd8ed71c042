package io.cvs.fleet;

import io.cvs.service.HostLabels;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** This host's labels, in both modes. */
@Configuration(proxyBeanMethods = false)
class FleetConfiguration {

    @Bean
    HostLabels hostLabels(FleetProperties properties) {
        return HostLabels.of(properties.hostLabels());
    }
}
