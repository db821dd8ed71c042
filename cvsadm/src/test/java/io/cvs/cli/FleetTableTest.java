package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.cli.ApiFleet.Fleet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code cvsadm fleet}'s table drawn from recorded answers of {@code GET /api/v1/fleet} (openapi.yaml's examples):
 * fleet mode with a member down, the store unreachable, and single-host mode. No daemon: {@code FleetCommandTest}
 * asks a real one.
 */
class FleetTableTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:07Z");

    @Test
    void fleetModeShowsTheStoreThenEveryHostByIdWithThisHostMarked() {
        String printed = print("""
                {"mode": "fleet", "hostId": "host-b", "labels": {"zone": "b"},
                 "applied": {"revision": 1041, "at": "2026-03-01T12:00:02.950Z", "lagRevisions": 1},
                 "store": {"endpoints": ["http://127.0.0.1:2379", "http://127.0.0.1:22379", "http://127.0.0.1:32379"],
                   "revision": 1042, "reachable": true, "unreachableSince": null,
                   "members": [{"name": "etcd-1", "clientUrl": "http://127.0.0.1:2379", "healthy": true,
                                "leader": true, "error": null},
                               {"name": "etcd-2", "clientUrl": "http://127.0.0.1:22379", "healthy": true,
                                "leader": false, "error": null},
                               {"name": "etcd-3", "clientUrl": "http://127.0.0.1:32379", "healthy": false,
                                "leader": false, "error": "connection refused"}]},
                 "hosts": [{"hostId": "host-b", "labels": {"zone": "b"}, "appliedRevision": 1041, "lagRevisions": 1,
                            "lastSeen": "2026-03-01T12:00:02.950Z", "ready": true, "datapath": "bpf",
                            "lastError": null, "self": true},
                           {"hostId": "host-a", "labels": {"zone": "a", "rack": "r7"}, "appliedRevision": 1042,
                            "lagRevisions": 0, "lastSeen": "2026-03-01T11:58:04Z", "ready": false,
                            "datapath": "memory", "lastError": "journal: No space left on device", "self": false}]}
                """);

        assertThat(printed).isEqualTo("""
                Store:      revision 1042, reachable; members 2 of 3 healthy, leader etcd-1
                Endpoints:  http://127.0.0.1:2379, http://127.0.0.1:22379, http://127.0.0.1:32379
                Unhealthy:  etcd-3 http://127.0.0.1:32379: connection refused
                Applied:    revision 1041 (lag 1), 4s ago

                HOST                LABELS          APPLIED  LAG  LAST SEEN  READY  DATAPATH  ERROR
                host-a              zone=a,rack=r7     1042    0  2m ago     no     memory    journal: No space left on device
                host-b (this host)  zone=b             1041    1  4s ago     yes    bpf       -
                """);
    }

    @Test
    void anUnreachableStoreSaysSinceWhenAndThatWritesAreRefused() {
        String printed = print("""
                {"mode": "fleet", "hostId": "host-a", "labels": {},
                 "applied": {"revision": 1042, "at": "2026-03-01T11:00:00Z", "lagRevisions": 0},
                 "store": {"endpoints": ["http://127.0.0.1:2379"], "revision": 1042, "reachable": false,
                           "unreachableSince": "2026-03-01T11:59:37.317049108Z", "members": []},
                 "hosts": [{"hostId": "host-a", "labels": {}, "appliedRevision": 1042, "lagRevisions": 0,
                            "lastSeen": "2026-03-01T12:00:07Z", "ready": true, "datapath": "bpf",
                            "lastError": "etcd unreachable: deadline exceeded", "self": true}]}
                """);

        assertThat(printed).isEqualTo("""
                Store:      UNREACHABLE since 2026-03-01T11:59:37Z (29s ago), last revision known 1042; writes \
                refused, forwarding goes on from this host's state
                Endpoints:  http://127.0.0.1:2379
                Applied:    revision 1042 (lag 0), 1h ago

                HOST                LABELS  APPLIED  LAG  LAST SEEN  READY  DATAPATH  ERROR
                host-a (this host)  -          1042    0  0s ago     yes    bpf       etcd unreachable: deadline exceeded
                """);
    }

    @Test
    void singleHostModeIsOneLineNamingTheHost() {
        String printed = print("""
                {"mode": "single-host", "hostId": "host-a", "labels": {"zone": "a"},
                 "hosts": [{"hostId": "host-a", "labels": {"zone": "a"}, "appliedRevision": null,
                            "lastSeen": "2026-03-01T12:00:07Z", "ready": true, "datapath": "bpf", "self": true}]}
                """);

        assertThat(printed).isEqualTo("Single host (fleet mode off: cvs.fleet.etcd.endpoints unset): host-a, "
                + "labels zone=a, ready, datapath bpf\n");
    }

    @ParameterizedTest(name = "{0} before now is {1}")
    @CsvSource({
        "2026-03-01T12:00:07Z, 0s ago",
        "2026-03-01T12:00:04.100Z, 2s ago",
        "2026-03-01T11:59:08Z, 59s ago",
        "2026-03-01T11:59:07Z, 1m ago",
        "2026-03-01T10:00:08Z, 1h ago",
        "2026-02-27T12:00:07Z, 2d ago",
        "2026-03-01T12:00:09Z, 0s ago"})
    void lastSeenIsRelativeToNow(String instant, String printed) {
        assertThat(FleetFormat.ago(instant, NOW)).isEqualTo(printed);
    }

    private static String print(String answer) {
        StringWriter text = new StringWriter();
        FleetCommand.print(Json.view(Json.JSON.readTree(answer), Fleet.class), NOW, new PrintWriter(text));
        return text.toString();
    }
}
