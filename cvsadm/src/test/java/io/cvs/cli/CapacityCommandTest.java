package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code capacity show} and {@code capacity set} against the real daemon (memory datapath, 4 services at start). */
class CapacityCommandTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("capacity", "--cvs.bpf.capacity.max-services=4",
                "--cvs.bpf.capacity.max-backends=16", "--cvs.bpf.growth.max-services=8");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void showSaysUsedAndMostGrowthAndTheLastResize() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "shown", "192.0.2.60:80", "--backend", "10.0.60.1:80");

        Cli.Run table = cli.run("capacity", "show");
        JsonNode json = cli.run("capacity", "show", "-o", "json").json();

        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).containsPattern("Capacity: +services 1/\\d+, backends 1/\\d+")
                .contains("Growth:", "automatic, up to 8 services and 1048576 backends");
        assertThat(json.path("services").path("used").asInt()).isEqualTo(1);
        assertThat(json.path("growth").path("automatic").asBoolean()).isTrue();
        cli.run("service", "delete", "shown");
    }

    @Test
    void setResizesAndSaysSoThenRefusesLessThanIsHeldWithExitCode3() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "kept", "192.0.2.61:80", "--backend", "10.0.61.1:80", "--backend", "10.0.61.2:80");

        Cli.Run grown = cli.run("capacity", "set", "--services", "32", "--backends", "64");
        Cli.Run tooSmall = cli.run("capacity", "set", "--backends", "1");

        assertThat(grown.exitCode()).as(grown.toString()).isZero();
        assertThat(grown.out()).contains("services 1/32, backends 2/64").contains("last requested at");
        assertThat(tooSmall.exitCode()).isEqualTo(3);
        assertThat(tooSmall.err()).contains("Capacity too small (409)", "2 backends");
        assertThat(cli.run("capacity", "show", "-o", "json").json().path("backends").path("max").asInt())
                .isEqualTo(64);
        cli.run("service", "delete", "kept");
    }

    @Test
    void setResizesThePolicyMapsAndShowSaysHowManyMaglevTablesAreUsed() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "hashed", "192.0.2.62:80", "--backend", "10.0.62.1:80", "--scheduler", "maglev",
                "--maglev-table-size", "13");

        Cli.Run set = cli.run("capacity", "set", "--maglev-tables", "4", "--maglev-slots", "8191",
                "--affinity-entries", "4096");
        Cli.Run notPrime = cli.run("capacity", "set", "--maglev-slots", "8192");

        assertThat(set.exitCode()).as(set.toString()).isZero();
        assertThat(set.out()).contains("Policies:", "Maglev tables 1/4 of up to 8191 slots, 4096 affinity entries");
        assertThat(notPrime.exitCode()).isEqualTo(3);
        assertThat(notPrime.err()).contains("maglevSlots must be a prime");
        cli.run("service", "delete", "hashed");
    }

    @Test
    void setWithoutAFieldIsAUsageErrorAndABadValueIsRefusedByTheDaemon() {
        Cli cli = Cli.against(daemon, home);

        assertThat(cli.run("capacity", "set").exitCode()).isEqualTo(2);
        Cli.Run zero = cli.run("capacity", "set", "--services", "0");
        assertThat(zero.exitCode()).isEqualTo(3);
        assertThat(zero.err()).contains("maxServices must be at least 1");
        assertThat(cli.run("capacity").exitCode()).isEqualTo(2);
    }
}
