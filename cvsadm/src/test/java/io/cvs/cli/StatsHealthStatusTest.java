package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code stats}, {@code health}, {@code status} and {@code completion}. Health checks probe loopback only. */
class StatsHealthStatusTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("stats-health-status");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void statsShowCountersAndRatesPerBackend() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "counted", "192.0.2.40:80", "--backend", "10.0.40.1:80", "--backend",
                "10.0.40.2:80/3");
        // the daemon samples every second here (cvs.stats.rate-interval=1s): rates appear after two samples
        await().atMost(Duration.ofSeconds(15)).until(() -> cli.run("stats", "counted", "-o", "json").json().get(0)
                .has("rate"));
        JsonNode stats = cli.run("stats", "counted", "-o", "json").json().get(0);
        assertThat(stats.path("name").asString()).isEqualTo("counted");
        JsonNode second = stats.path("backends").get(1);
        assertThat(second.path("weight").asInt()).isEqualTo(3);
        assertThat(second.path("connections").isIntegralNumber()).isTrue();
        assertThat(second.path("rate").path("connectionsPerSecond").isNumber()).isTrue();

        Cli.Run table = cli.run("stats", "counted");
        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).contains("Conns  Conn/s  Pkts  Pkt/s  Bytes  B/s  Refused",
                "TCP  192.0.2.40:80 (counted)")
                .containsPattern("-> 10\\.0\\.40\\.2:80 +3 +0 +0\\.0 +0 +- +0 +-");
    }

    @Test
    void watchRedrawsCountTimesWithoutClearingWhenNotATerminal() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "watched", "192.0.2.41:80", "--backend", "10.0.41.1:80");
        Cli.Run watch = cli.run("stats", "watched", "--watch", "0.2", "--count", "3");
        assertThat(watch.exitCode()).isZero();
        assertThat(watch.out().split("Every 0.2s: cvsadm stats", -1)).hasSize(4);
        assertThat(watch.out()).doesNotContain("\033[");

        Cli.Run lines = cli.run("stats", "watched", "--watch", "0.1", "--count", "2", "-o", "json");
        assertThat(lines.out().lines()).hasSize(2)
                .allSatisfy(line -> assertThat(Json.JSON.readTree(line).get(0).path("name").asString())
                        .isEqualTo("watched"));
        assertThat(cli.run("stats", "--count", "2").exitCode()).isEqualTo(2);
    }

    @Test
    void healthShowsUpForAListeningBackendAndDownForAClosedOne() throws IOException {
        Cli cli = Cli.against(daemon, home);
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int closedPort = TestDaemon.freePort();
            cli.run("service", "add", "checked", "192.0.2.42:80", "--backend", "127.0.0.1:" + listening
                    .getLocalPort(), "--backend", "127.0.0.1:" + closedPort, "--check", "tcp", "--check-interval",
                    "200", "--check-timeout", "100", "--rise", "1", "--fall", "1");
            await().atMost(Duration.ofSeconds(15)).until(() -> cli.run("health", "checked", "-o", "json").json()
                    .get(0).path("backends").get(1).path("state").asString().equals("DOWN"));

            JsonNode backends = cli.run("health", "checked", "-o", "yaml").yaml().get(0).path("backends");
            assertThat(backends.get(0).path("state").asString()).isEqualTo("UP");
            assertThat(backends.get(0).path("inRotation").asBoolean()).isTrue();
            assertThat(backends.get(1).path("inRotation").asBoolean()).isFalse();

            Cli.Run table = cli.run("health", "checked");
            assertThat(table.out()).contains("SERVICE  BACKEND", "IN ROTATION", "LAST RESULT", "SINCE")
                    .containsPattern("checked +127\\.0\\.0\\.1:" + closedPort + " +1 +DOWN +no +connection refused");
            assertThat(cli.run("list", "192.0.2.42").out()).contains("Health", "TCP")
                    .containsPattern("-> 127\\.0\\.0\\.1:" + listening.getLocalPort() + " +1 +UP\n")
                    .containsPattern("-> 127\\.0\\.0\\.1:" + closedPort + " +1 +DOWN\n");
        }
    }

    @Test
    void statusShowsDatapathCapacityJournalAndReadiness() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run table = cli.run("status");
        assertThat(table.exitCode()).isZero();
        assertThat(table.out()).contains("Daemon:     " + daemon.url() + ", ready, health UP",
                "Datapath:   memory: NOTHING IS FORWARDED", "Capacity:   services ", "/1024, backends ",
                "Policies:   Maglev tables 0/", " of up to 16381 slots, 65536 affinity entries",
                "Journal:    UP (dir=", "Reconcile:  UP");

        JsonNode status = cli.run("status", "-o", "json").json();
        assertThat(status.path("ready").asBoolean()).isTrue();
        assertThat(status.path("datapath").path("mode").asString()).isEqualTo("memory");
        assertThat(status.path("datapath").path("capacity").path("services").path("max").asInt()).isEqualTo(1024);
        assertThat(status.path("health").path("components").path("journal").path("status").asString())
                .isEqualTo("UP");
    }

    @Test
    void completionPrintsABashScriptForEveryCommand() {
        Cli.Run run = new Cli(home).run("completion");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_cvsadm",
                "push", "pop", "service", "drain", "--watch", "fleet");
    }
}
