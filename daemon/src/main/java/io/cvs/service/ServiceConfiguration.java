package io.cvs.service;

import io.cvs.datapath.Datapath;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The desired state, restored from the journal before anything is served. */
@Configuration(proxyBeanMethods = false)
class ServiceConfiguration {

    @Bean
    ServiceRegistry serviceRegistry(Datapath datapath, Journal journal, JournalProperties journalProperties,
            ReconcileProperties reconcile) {
        return new ServiceRegistry(datapath, journal, journalProperties.groupCommit(), reconcile.interval());
    }
}
