package io.cvs.journal;

import io.cvs.system.StartupRefusedException;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Opens the journal at start (locking its directory and recovering it); Spring closes it at shutdown. */
@Configuration(proxyBeanMethods = false)
class JournalConfiguration {

    @Bean
    Journal journal(JournalProperties properties, MeterRegistry meters) {
        try {
            return Journal.open(properties.dir(), properties.options(), meters);
        } catch (JournalException e) {
            throw new StartupRefusedException(e.getMessage(), e.action(), e);
        }
    }
}
