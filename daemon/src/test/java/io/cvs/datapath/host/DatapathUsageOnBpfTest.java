package io.cvs.datapath.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.BpfDaemonHome;
import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.testing.BpfEnvironment;
import io.cvs.testing.Bpftool;
import java.nio.file.Path;
import java.util.List;
import io.cvs.ownership.MapOwnership;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding 8 of the hostile review, the API's part: a service entry deleted with bpftool fails its VIP, and
 * {@code GET /api/v1/datapath} went on counting it (the ids the daemon gave out) until the next reconcile. Its
 * capacity now counts what the maps hold. Real maps; needs root and BPF (skips loudly without, fails in CI).
 */
class DatapathUsageOnBpfTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-usage";

    private Path pinDir;
    private Path cgroup;
    private BpfDatapath datapath;

    @BeforeEach
    void open() throws Exception {
        BpfEnvironment.require();
        pinDir = BpfDaemonHome.pinDir(NAME);
        cgroup = BpfDaemonHome.createCgroup(NAME);
        datapath = BpfDatapath.open(pinDir, new Capacity(8, 32, 4, 16), cgroup);
    }

    @AfterEach
    void close() throws Exception {
        try {
            if (datapath != null) {
                datapath.close();
            }
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    @Test
    void theCapacityInUseIsWhatTheMapsHoldNotWhatTheDaemonWrote() throws Exception {
        datapath.apply(key("192.0.2.50"), List.of(backend("10.5.0.1"), backend("10.5.0.2")));
        datapath.apply(key("192.0.2.51"), List.of(backend("10.5.1.1")));
        byte[] entry = Bpftool.dump(pinDir.resolve("cvs_svc_v1")).stream().filter(e -> (e.key()[3] & 0xff) == 50)
                .findFirst().orElseThrow().key();

        Bpftool.delete(pinDir.resolve("cvs_svc_v1"), entry);

        DatapathResponse.CapacityUse capacity = new DatapathController(datapath, new StaticListableBeanFactory().getBeanProvider(MapOwnership.class))
                .status().capacity();
        assertThat(capacity.services().used()).isEqualTo(1);
        assertThat(capacity.backends().used()).isEqualTo(1);
        assertThat(capacity.services().max()).isEqualTo(8);
        assertThat(datapath.usage().services()).as("the ids the daemon gave out, for its own capacity checks")
                .isEqualTo(2);
    }

    private static ServiceKey key(String vip) {
        return new ServiceKey(IpAddresses.parse(vip), 80, Protocol.TCP);
    }

    private static Backend backend(String address) {
        return new Backend(IpAddresses.parse(address), 8080, 1);
    }
}
