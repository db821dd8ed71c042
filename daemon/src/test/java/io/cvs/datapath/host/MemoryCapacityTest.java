package io.cvs.datapath.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.Forwarder;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** cvs.bpf.capacity.* also sizes the memory datapath, with libcvsbpf's defaults where a field is 0. */
class MemoryCapacityTest {

    private final DatapathConfiguration configuration = new DatapathConfiguration();

    @Test
    void theConfiguredCapacityBoundsTheMemoryDatapath() {
        Datapath memory = memoryWith(new BpfProperties.MapCapacity(7, 9, 3, 4, 0, 0, 0));

        assertThat(memory.status().usage().max()).isEqualTo(new Capacity(7, 9, 3, 4));
    }

    @Test
    void zeroFieldsTakeLibcvsbpfsDefaults() {
        Datapath memory = memoryWith(new BpfProperties.MapCapacity(0, 100, 0, 0, 0, 0, 0));

        assertThat(memory.status().usage().max()).isEqualTo(new Capacity(1024, 100, 256, 1024));
    }

    @Test
    void thePolicyMapsCapacityIsConfiguredToo() {
        Datapath memory = memoryWith(new BpfProperties.MapCapacity(0, 0, 0, 0, 128, 4, 31));

        assertThat(memory.status().usage().max()).isEqualTo(new Capacity(1024, 16384, 256, 1024, 128, 4, 31));
    }

    private Datapath memoryWith(BpfProperties.MapCapacity capacity) {
        BpfProperties bpf = new BpfProperties(Path.of("/sys/fs/bpf/cvs/v1"), null, capacity,
                new BpfProperties.Growth(true, 131_072, 1_048_576, 256, 65_521), Set.of(Forwarder.SOCKET_LB));
        return configuration.datapath(new DatapathProperties(DatapathMode.MEMORY), bpf, FakeHostProbe.capable());
    }
}
