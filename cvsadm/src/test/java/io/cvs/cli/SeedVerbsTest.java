package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The seed's three verbs, as its README uses them: push three backends to one VIP, list it, pop the last. The
 * seed's addresses are replaced by documentation-range VIPs (the memory datapath forwards nothing anyway).
 */
class SeedVerbsTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("seed-verbs");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void pushListPopAsTheSeedReadmeDoes() {
        Cli cli = Cli.against(daemon, home);
        assertThat(cli.run("push", "192.0.2.1", "10.0.0.2").out())
                .contains("Created service vip-192-0-2-1-80-tcp (192.0.2.1:80/TCP) with backend 10.0.0.2:80");
        assertThat(cli.run("push", "192.0.2.1", "10.0.0.3").out())
                .contains("Added backend 10.0.0.3:80 to service vip-192-0-2-1-80-tcp");
        assertThat(cli.run("push", "192.0.2.1", "10.0.0.4").exitCode()).isZero();

        Cli.Run list = cli.run("list", "192.0.2.1");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).isEqualTo("""
                Prot LocalAddress:Port   Name                  Scheduler  Check
                  -> RemoteAddress:Port  Weight                           Health
                TCP  192.0.2.1:80        vip-192-0-2-1-80-tcp  random     -
                  -> 10.0.0.2:80         1                                -
                  -> 10.0.0.3:80         1                                -
                  -> 10.0.0.4:80         1                                -
                """);

        Cli.Run pop = cli.run("pop", "192.0.2.1");
        assertThat(pop.exitCode()).isZero();
        assertThat(pop.out()).contains("Removed backend 10.0.0.4:80 (weight 1) from service vip-192-0-2-1-80-tcp"
                + " (192.0.2.1:80/TCP); 2 left");
        assertThat(backends(cli, "192.0.2.1")).containsExactly("10.0.0.2:80", "10.0.0.3:80");
    }

    @Test
    void pushTakesPortsProtocolWeightAndName() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run created = cli.run("push", "198.51.100.53:53/udp", "10.0.1.1", "--weight", "3", "--name", "dns",
                "-o", "json");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        JsonNode service = created.json();
        assertThat(service.path("name").asString()).isEqualTo("dns");
        assertThat(service.path("protocol").asString()).isEqualTo("UDP");
        assertThat(service.path("backends").get(0).path("port").asInt()).isEqualTo(53);
        assertThat(service.path("backends").get(0).path("weight").asInt()).isEqualTo(3);

        assertThat(cli.run("push", "198.51.100.53:53/UDP", "10.0.1.2:5353").exitCode()).isZero();
        assertThat(backends(cli, "198.51.100.53:53/UDP")).containsExactly("10.0.1.1:53", "10.0.1.2:5353");
    }

    @Test
    void popsInReverseOrderOfPushesUntilNoneIsLeft() {
        Cli cli = Cli.against(daemon, home);
        cli.run("push", "192.0.2.2:8080", "10.0.2.1");
        cli.run("push", "192.0.2.2:8080", "10.0.2.2");
        assertThat(cli.run("pop", "192.0.2.2:8080").out()).contains("Removed backend 10.0.2.2:8080");
        assertThat(cli.run("pop", "192.0.2.2:8080").out()).contains("Removed backend 10.0.2.1:8080");

        Cli.Run empty = cli.run("pop", "192.0.2.2:8080");
        assertThat(empty.exitCode()).isEqualTo(3);
        assertThat(empty.err()).isEqualTo("cvsadm: service vip-192-0-2-2-8080-tcp (192.0.2.2:8080/TCP) has no "
                + "backend to pop\n");
    }

    @Test
    void popOfAnAddressWithoutServiceSaysSo() {
        Cli.Run run = Cli.against(daemon, home).run("pop", "203.0.113.99");
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("no service at 203.0.113.99:80/TCP");
    }

    @Test
    void listOfAVipAloneShowsEveryPortAndListsMachineReadably() {
        Cli cli = Cli.against(daemon, home);
        cli.run("push", "192.0.2.3:80", "10.0.3.1");
        cli.run("push", "192.0.2.3:443", "10.0.3.1");
        Cli.Run yaml = cli.run("list", "192.0.2.3", "-o", "yaml");
        assertThat(yaml.exitCode()).isZero();
        assertThat(yaml.yaml().findValuesAsString("port")).contains("80", "443");
        assertThat(yaml.yaml()).hasSize(2);
        assertThat(cli.run("list", "192.0.2.3:443", "-o", "json").json()).hasSize(1);
    }

    @Test
    void pushWithAnotherNameThanTheExistingServiceIsRefused() {
        Cli cli = Cli.against(daemon, home);
        cli.run("push", "192.0.2.4", "10.0.4.1", "--name", "first");
        Cli.Run run = cli.run("push", "192.0.2.4", "10.0.4.2", "--name", "second");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("192.0.2.4:80/TCP is service first, not second");
        assertThat(backends(cli, "192.0.2.4")).containsExactly("10.0.4.1:80");
    }

    static java.util.List<String> backends(Cli cli, String endpoint) {
        JsonNode services = cli.run("list", endpoint, "-o", "json").json();
        assertThat(services).hasSize(1);
        return Json.view(services.get(0), Api.Service.class).backends().stream().map(Api.Backend::key).toList();
    }
}
