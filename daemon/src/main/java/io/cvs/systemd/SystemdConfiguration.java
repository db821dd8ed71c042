package io.cvs.systemd;

import io.cvs.datapath.Datapath;
import io.cvs.reconcile.ReconcileProperties;
import io.cvs.reconcile.ReconcileRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The notifier, told of the service manager this process's environment names (none without NOTIFY_SOCKET). */
@Configuration(proxyBeanMethods = false)
class SystemdConfiguration {

    @Bean
    SystemdNotifier systemdNotifier(ReconcileRunner reconciles, ReconcileProperties properties, Datapath datapath) {
        return new SystemdNotifier(ServiceManager.fromEnvironment(), reconciles,
                new ReconcileProgress(properties.interval(), System.nanoTime()), datapath);
    }
}
