package io.cvs.datapath;

import io.cvs.datapath.bpf.BpfMapException;
import io.cvs.system.StartupRefusedException;
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
            return openBpf(bpf);
        }
        choice.fallbackReason().ifPresentOrElse(
                reason -> log.warn("Datapath: memory; NOTHING IS FORWARDED, because {}", reason),
                () -> log.info("Datapath: memory, as cvs.datapath says; nothing is forwarded"));
        return new MemoryDatapath(bpf.capacity().orDefaults(), choice.fallbackReason().orElse(null));
    }

    @Bean
    DatapathMetrics datapathMetrics(Datapath datapath) {
        return new DatapathMetrics(datapath);
    }

    /** The host can run BPF, so a failure here is something to fix, never a reason to fall back to memory. */
    private static BpfDatapath openBpf(BpfProperties bpf) {
        BpfDatapath datapath;
        try {
            datapath = BpfDatapath.open(bpf.pinDir(), bpf.capacity().requested(), bpf.cgroup(), bpf.datapaths());
        } catch (BpfMapException e) {
            throw new StartupRefusedException("The BPF datapath at " + bpf.pinDir() + " could not start: "
                    + e.getMessage(), action(e.errnoName()), e);
        }
        DatapathStatus status = datapath.status();
        log.info("Datapath: bpf, maps pinned at {}, read by {}; {} socket-LB programs attached to {} (cgroup id {})",
                bpf.pinDir(), status.active().stream().map(Forwarder::label).toList(), status.socketLb().attached(),
                bpf.cgroup() == null ? "the cgroup v2 root" : bpf.cgroup(), status.socketLb().cgroupId());
        return datapath;
    }

    private static String action(String errno) {
        return switch (errno) {
            case "EBUSY" -> "Another process (a cvs daemon?) writes this map set; stop it, or set cvs.bpf.pin-dir "
                    + "to another directory.";
            case "EEXIST" -> "Either the map set was created with another capacity than cvs.bpf.capacity asks (leave "
                    + "those at 0 to take what is pinned), or its socket-LB programs are attached to another cgroup "
                    + "(set cvs.bpf.cgroup to that one, or detach them first); the message above says which.";
            case "EPROTO" -> "Something else, or an incompatible cvs version, is pinned there, or cvs.ko was built "
                    + "for another map ABI (the kernel log says which); remove it or set cvs.bpf.pin-dir to another "
                    + "directory, or load a matching cvs.ko.";
            case "ENODEV" -> "cvs.bpf.datapaths includes module but cvs.ko is not loaded: load it (insmod "
                    + "kernel-module/cvs.ko, see kernel-module/README.md) or leave module out.";
            default -> "Check the pin directory and cgroup (cvs.bpf.pin-dir, cvs.bpf.cgroup) and the message above.";
        };
    }
}
