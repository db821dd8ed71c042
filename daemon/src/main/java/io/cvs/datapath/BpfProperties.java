package io.cvs.datapath;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where the BPF datapath keeps its maps and attaches its programs.
 *
 * @param pinDir directory on bpffs where the map set is pinned (created with its parents when absent); one daemon
 *               per directory
 * @param cgroup cgroup v2 directory the socket-LB programs attach to; unset: the host's cgroup v2 root
 *               (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host), which covers every process
 */
@Validated
@ConfigurationProperties("cvs.bpf")
public record BpfProperties(@NotNull @DefaultValue("/sys/fs/bpf/cvs/v1") Path pinDir, Path cgroup) {
}
