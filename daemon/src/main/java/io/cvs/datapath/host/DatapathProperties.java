package io.cvs.datapath.host;

import io.cvs.datapath.DatapathMode;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which datapath the daemon runs. Bound at the prefix {@code cvs} because the property is the scalar
 * {@code cvs.datapath}; the other keys under {@code cvs} belong to their own records.
 *
 * @param datapath {@code auto}: BPF when this host can run it (root, bpffs at the pin directory, kernel BTF,
 *                 cgroup v2), otherwise memory, with a warning saying what is missing; {@code bpf}: BPF, or refuse
 *                 to start; {@code memory}: services are kept in memory and nothing is forwarded.
 */
@Validated
@ConfigurationProperties("cvs")
public record DatapathProperties(@NotNull @DefaultValue("auto") DatapathMode datapath) {
}
