package io.cvs.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd harness itself: members on loopback ports of their own, a leader, kill and restart, nothing left. */
class EtcdClusterTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void etcd() {
        EtcdCluster.requireInstalled();
    }

    @Test
    void threeMembersOnLoopbackElectALeaderAndAKilledLeaderIsReplaced() {
        List<ProcessHandle> members;
        try (EtcdCluster cluster = EtcdCluster.start(3, dir)) {
            assertThat(cluster.endpoints()).hasSize(3).allMatch(url -> url.startsWith("http://127.0.0.1:"))
                    .noneMatch(url -> url.endsWith(":2379")).doesNotHaveDuplicates();
            members = ProcessHandle.current().children().filter(p -> p.info().command().orElse("")
                    .equals(EtcdCluster.ETCD.toString())).toList();
            assertThat(members).hasSize(3);

            int leader = cluster.leader();
            cluster.kill9(leader);
            assertThat(cluster.running(leader)).isFalse();
            int next = cluster.leader();
            assertThat(next).isNotEqualTo(leader);

            cluster.start(leader);
            assertThat(IntStream.range(0, 3).allMatch(cluster::running)).isTrue();
            assertThat(cluster.compact()).isPositive();
        }
        assertThat(members).noneMatch(ProcessHandle::isAlive);
    }
}
