package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code cvsadm fleet} against the real daemon in single-host mode (no etcd endpoints), as most hosts run it;
 * the fleet-mode table is drawn from recorded answers by {@link FleetTableTest}.
 */
class FleetCommandTest {

    private static final String HOST_ID = "cvsadm-fleet-test-host";

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("fleet", "--cvs.fleet.host-id=" + HOST_ID);
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void singleHostModeIsOneLineNamingTheHost() {
        Cli.Run run = Cli.against(daemon, home).run("fleet");

        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.out()).isEqualTo("Single host (fleet mode off: cvs.fleet.etcd.endpoints unset): " + HOST_ID
                + ", ready, datapath memory\n");
    }

    @Test
    void jsonIsTheDaemonsDocumentAndAViewerMayReadIt() {
        Cli.Run run = Cli.against(daemon, home).env("CVS_TOKEN", TestDaemon.VIEWER_TOKEN).run("fleet", "-o", "json");

        assertThat(run.exitCode()).as("%s", run).isZero();
        JsonNode fleet = run.json();
        assertThat(fleet.path("mode").asString()).isEqualTo("single-host");
        assertThat(fleet.path("hostId").asString()).isEqualTo(HOST_ID);
        assertThat(fleet.path("hosts")).singleElement().satisfies(host -> {
            assertThat(host.path("hostId").asString()).isEqualTo(HOST_ID);
            assertThat(host.path("self").asBoolean()).isTrue();
        });
    }
}
