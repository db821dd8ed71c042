package io.cvs.datapath.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.Forwarder;
import io.cvs.system.StartupRefusedException;
import java.nio.file.Path;
import java.util.Set;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** {@code cvs.datapath} against what the host offers ({@link FakeHostProbe}). */
class DatapathChoiceTest {

    private static final BpfProperties.MapCapacity ANY_SIZE = new BpfProperties.MapCapacity(0, 0, 0, 0, 0, 0, 0);
    private static final Set<Forwarder> SOCKET_LB = Set.of(Forwarder.SOCKET_LB);
    private static final BpfProperties.Growth GROWTH = new BpfProperties.Growth(true, 131_072, 1_048_576, 256, 65_521);
    private static final BpfProperties DEFAULTS = new BpfProperties(Path.of("/sys/fs/bpf/cvs/v1"), null, ANY_SIZE, GROWTH, SOCKET_LB);

    @Test
    void autoOnACapableHostIsBpf() {
        assertThat(DatapathChoice.of(DatapathMode.AUTO, DEFAULTS, FakeHostProbe.capable()))
                .isEqualTo(new DatapathChoice(DatapathMode.BPF, Optional.empty()));
    }

    @Test
    void autoWithoutRootIsMemoryAndSaysSo() {
        DatapathChoice choice = DatapathChoice.of(DatapathMode.AUTO, DEFAULTS, FakeHostProbe.capable().withUid(1000));

        assertThat(choice.mode()).isEqualTo(DatapathMode.MEMORY);
        assertThat(choice.fallbackReason()).hasValueSatisfying(
                reason -> assertThat(reason).contains("not root (effective uid 1000)"));
    }

    @Test
    void autoWithoutBpffsAtThePinDirectoryIsMemoryAndSaysSo() {
        DatapathChoice choice = DatapathChoice.of(DatapathMode.AUTO, DEFAULTS, FakeHostProbe.capable().withoutBpffs());

        assertThat(choice.mode()).isEqualTo(DatapathMode.MEMORY);
        assertThat(choice.fallbackReason()).hasValueSatisfying(
                reason -> assertThat(reason).contains("no bpffs at /sys/fs/bpf/cvs/v1", "sysfs"));
    }

    @Test
    void autoWithoutKernelBtfIsMemoryAndSaysSo() {
        DatapathChoice choice = DatapathChoice.of(DatapathMode.AUTO, DEFAULTS,
                FakeHostProbe.capable().withoutKernelBtf());

        assertThat(choice.fallbackReason()).hasValueSatisfying(
                reason -> assertThat(reason).contains("/sys/kernel/btf/vmlinux"));
    }

    @Test
    void autoWithoutCgroup2IsMemoryAndSaysSo() {
        DatapathChoice choice = DatapathChoice.of(DatapathMode.AUTO, DEFAULTS, FakeHostProbe.capable().withoutCgroup2());

        assertThat(choice.fallbackReason()).hasValueSatisfying(reason -> assertThat(reason).contains("cgroup v2"));
    }

    @Test
    void aConfiguredCgroupMustBeOnCgroup2() {
        BpfProperties onV1 = new BpfProperties(DEFAULTS.pinDir(), Path.of("/sys/fs/cgroup/cpu"), ANY_SIZE, GROWTH, SOCKET_LB);
        FakeHostProbe host = FakeHostProbe.capable();

        DatapathChoice choice = DatapathChoice.of(DatapathMode.AUTO, onV1, host);

        assertThat(choice.fallbackReason()).hasValueSatisfying(
                reason -> assertThat(reason).contains("cvs.bpf.cgroup /sys/fs/cgroup/cpu is not on cgroup v2"));
        assertThat(DatapathChoice.of(DatapathMode.AUTO,
                new BpfProperties(DEFAULTS.pinDir(), FakeHostProbe.CGROUP_ROOT.resolve("cvs"), ANY_SIZE, GROWTH, SOCKET_LB), host).mode())
                .isEqualTo(DatapathMode.BPF);
    }

    @Test
    void theReasonListsEverythingMissingAtOnce() {
        FakeHostProbe bare = FakeHostProbe.capable().withUid(1000).withoutBpffs().withoutKernelBtf().withoutCgroup2();

        DatapathChoice choice = DatapathChoice.of(DatapathMode.AUTO, DEFAULTS, bare);

        assertThat(choice.fallbackReason()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("not root", "no bpffs", "no kernel BTF", "no cgroup v2"));
    }

    @Test
    void memoryIsMemoryWithoutAskingTheHostOrGivingAReason() {
        FakeHostProbe bare = FakeHostProbe.capable().withUid(1000);

        assertThat(DatapathChoice.of(DatapathMode.MEMORY, DEFAULTS, bare))
                .isEqualTo(new DatapathChoice(DatapathMode.MEMORY, Optional.empty()));
        assertThat(DatapathChoice.of(DatapathMode.MEMORY, DEFAULTS, FakeHostProbe.capable()).mode())
                .isEqualTo(DatapathMode.MEMORY);
    }

    @Test
    void bpfOnACapableHostIsBpf() {
        assertThat(DatapathChoice.of(DatapathMode.BPF, DEFAULTS, FakeHostProbe.capable()).mode())
                .isEqualTo(DatapathMode.BPF);
    }

    @Test
    void bpfOnAHostThatCannotRunItRefusesToStartAndSaysWhy() {
        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> DatapathChoice.of(DatapathMode.BPF, DEFAULTS, FakeHostProbe.capable().withoutKernelBtf()));

        assertThat(refused.getMessage()).contains("cvs.datapath is bpf", "no kernel BTF");
        assertThat(refused.action()).contains("cvs.datapath");
    }
}
