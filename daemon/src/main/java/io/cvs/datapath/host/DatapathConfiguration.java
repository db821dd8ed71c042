package io.cvs.datapath.host;

import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.Flows;
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
            BpfDatapath datapath = BpfDatapath.start(bpf.pinDir(), bpf.capacity().requested(), bpf.cgroup(),
                    bpf.datapaths());
            tellWhatFlowSweepsCannotDo(datapath.flowSupport());
            return datapath;
        }
        choice.fallbackReason().ifPresentOrElse(
                reason -> log.warn("Datapath: memory; NOTHING IS FORWARDED, because {}", reason),
                () -> log.info("Datapath: memory, as cvs.datapath says; nothing is forwarded"));
        return new MemoryDatapath(bpf.capacity().orDefaults(), choice.fallbackReason().orElse(null));
    }

    /** Said once at start: what an operator loses on this host when a backend leaves a service. */
    private static void tellWhatFlowSweepsCannotDo(Flows.Support flows) {
        if (flows.mechanism() == Flows.Mechanism.NONE) {
            log.warn("Flow sweeps: this kernel cannot end the socket-LB's sockets (neither BPF socket iterators with "
                    + "bpf_sock_destroy, Linux 6.5+, nor CONFIG_INET_DIAG_DESTROY): connected UDP clients stay on a "
                    + "removed or down backend until they time out, and onBackendRemoval RESET cannot reset TCP "
                    + "connections{}", flows.moduleSweeps() ? "; cvs.ko's conntrack entries are still swept" : "");
        } else {
            log.info("Flow sweeps: sockets ended by {}, found by {}; cvs.ko {}", flows.mechanism(),
                    flows.reverseMapping(), flows.moduleSweeps() ? "sweeps its conntrack entries" : "does not sweep");
        }
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
