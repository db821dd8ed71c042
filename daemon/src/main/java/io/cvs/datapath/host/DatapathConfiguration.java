package io.cvs.datapath.host;

import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.bpf.BpfDatapath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Chooses and starts the one {@link Datapath}; Spring closes it at shutdown (BPF: the programs stay attached). */
@Configuration(proxyBeanMethods = false)
class DatapathConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DatapathConfiguration.class);

    @Bean
    HostProbe hostProbe() {
        return new SystemHostProbe();
    }

    @Bean
    Datapath datapath(DatapathProperties properties, BpfProperties bpf, HostProbe host) {
        DatapathChoice choice = DatapathChoice.of(properties.datapath(), bpf, host);
        if (choice.mode() == DatapathMode.BPF) {
            return BpfDatapath.start(bpf.pinDir(), bpf.capacity().requested(), bpf.cgroup(), bpf.datapaths());
        }
        choice.fallbackReason().ifPresentOrElse(
                reason -> log.warn("Datapath: memory; NOTHING IS FORWARDED, because {}", reason),
                () -> log.info("Datapath: memory, as cvs.datapath says; nothing is forwarded"));
        return new MemoryDatapath(bpf.capacity().orDefaults(), choice.fallbackReason().orElse(null));
    }

    @Bean
    CapacityPolicy capacityPolicy(BpfProperties bpf) {
        return bpf.capacityPolicy();
    }

    @Bean
    DatapathMetrics datapathMetrics(Datapath datapath) {
        return new DatapathMetrics(datapath);
    }
}
