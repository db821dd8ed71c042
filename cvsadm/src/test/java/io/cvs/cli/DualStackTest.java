package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Every verb with IPv6 addresses against a real daemon: brackets where a port follows, the daemon's canonical
 * form printed, a dual-stack name as two services, and the refusals, each one line with its exit code.
 * Documentation-range VIPs (2001:db8::/32) and unique local backends (fd00::/8); the memory datapath forwards
 * nothing.
 */
class DualStackTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("dual-stack");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void pushListPopWithIpv6() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run created = cli.run("push", "[2001:db8::10]:80", "[fd00::2]:8080");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.out()).isEqualTo("Created service vip-2001-db8--10-80-tcp ([2001:db8::10]:80/TCP) with "
                + "backend [fd00::2]:8080\n");
        // the same VIP spelled otherwise, and without brackets where no port follows
        assertThat(cli.run("push", "[2001:DB8:0::10]:80", "[fd00:0::3]:8080", "--weight", "2").out())
                .isEqualTo("Added backend [fd00::3]:8080 to service vip-2001-db8--10-80-tcp ([2001:db8::10]:80/TCP)\n");
        assertThat(cli.run("push", "2001:db8::10", "fd00::4").exitCode()).isZero();

        Cli.Run list = cli.run("list", "2001:db8::10");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.out()).isEqualTo("""
                Prot LocalAddress:Port   Name                     Scheduler  Check
                  -> RemoteAddress:Port  Weight                              Health
                TCP  [2001:db8::10]:80   vip-2001-db8--10-80-tcp  random     -
                  -> [fd00::2]:8080      1                                   -
                  -> [fd00::3]:8080      2                                   -
                  -> [fd00::4]:80        1                                   -
                """);

        Cli.Run pop = cli.run("pop", "[2001:db8::10]:80");
        assertThat(pop.exitCode()).as(pop.toString()).isZero();
        assertThat(pop.out()).isEqualTo("Removed backend [fd00::4]:80 (weight 1) from service vip-2001-db8--10-80-tcp "
                + "([2001:db8::10]:80/TCP); 2 left\n");
        assertThat(SeedVerbsTest.backends(cli, "[2001:db8::10]:80/tcp")).containsExactly("[fd00::2]:8080",
                "[fd00::3]:8080");
    }

    @Test
    void aDualStackNameIsTwoServicesListedIpv4First() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run v6 = cli.run("service", "add", "dual-v6", "[2001:db8::20]:443", "--backend", "[fd00:1::2]:8443",
                "--backend", "[fd00:1::10]:8443/2");
        assertThat(v6.exitCode()).as(v6.toString()).isZero();
        assertThat(v6.out()).startsWith("Created service dual-v6 ([2001:db8::20]:443/TCP), id svc-");
        assertThat(cli.run("service", "add", "dual-v4", "192.0.2.20:443", "--backend", "10.0.20.10:8443",
                "--backend", "10.0.20.9:8443").exitCode()).isZero();

        Cli.Run sorted = cli.run("list", "--sort", "192.0.2.20", "2001:db8::20");
        assertThat(sorted.out()).as(sorted.toString()).isEqualTo("""
                Prot LocalAddress:Port   Name     Scheduler  Check
                  -> RemoteAddress:Port  Weight              Health
                TCP  192.0.2.20:443      dual-v4  random     -
                  -> 10.0.20.9:8443      1                   -
                  -> 10.0.20.10:8443     1                   -
                TCP  [2001:db8::20]:443  dual-v6  random     -
                  -> [fd00:1::2]:8443    1                   -
                  -> [fd00:1::10]:8443   2                   -
                """);
        assertThat(cli.run("service", "list").out())
                .containsPattern("dual-v6 +svc-[a-z0-9]+ +\\[2001:db8::20]:443/TCP");

        Cli.Run stats = cli.run("stats", "dual-v4", "dual-v6");
        assertThat(stats.exitCode()).as(stats.toString()).isZero();
        assertThat(stats.out()).contains("TCP  [2001:db8::20]:443 (dual-v6)      ", "  -> [fd00:1::10]:8443           "
                + "       2      0");
    }

    @Test
    void backendVerbsNameIpv6BackendsInBrackets() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "verbs-v6", "[2001:db8::30]:80", "--backend", "[fd00:2::1]:8080");
        assertThat(cli.run("backend", "add", "verbs-v6", "[fd00:2::2]:8080", "--weight", "3").out())
                .isEqualTo("Added backend [fd00:2::2]:8080 to service verbs-v6 ([2001:db8::30]:80/TCP)\n");
        assertThat(cli.run("backend", "weight", "verbs-v6", "[FD00:2:0::2]:8080", "5").out())
                .isEqualTo("Backend [fd00:2::2]:8080 of service verbs-v6 ([2001:db8::30]:80/TCP) now has weight 5\n");
        Cli.Run drain = cli.run("backend", "drain", "verbs-v6", "[fd00:2::1]:8080");
        assertThat(drain.exitCode()).as(drain.toString()).isZero();
        assertThat(drain.out()).startsWith("Draining backend [fd00:2::1]:8080 of service verbs-v6");
        assertThat(cli.run("backend", "remove", "verbs-v6", "[fd00:2::1]:8080").out())
                .isEqualTo("Removed backend [fd00:2::1]:8080 from service verbs-v6 ([2001:db8::30]:80/TCP)\n");
        assertThat(SeedVerbsTest.backends(cli, "[2001:db8::30]:80")).containsExactly("[fd00:2::2]:8080");

        Cli.Run missing = cli.run("backend", "weight", "verbs-v6", "[fd00:2::99]:8080", "1");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(3);
    }

    @Test
    void anIpv6AddressThatNeedsBracketsIsAUsageErrorOfOneLine() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run ambiguous = cli.run("push", "2001:db8::40:80", "[fd00::2]:8080");
        assertThat(ambiguous.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(ambiguous.err().lines().findFirst().orElseThrow()).contains("'2001:db8::40:80' is ambiguous: "
                + "write [2001:db8::40]:80 for an address and port, or [2001:db8::40:80] for the address alone");
        assertThat(ambiguous.err()).doesNotContain("Exception", "\tat ");

        Cli.Run weight = cli.run("service", "add", "w", "[2001:db8::40]:80", "--backend", "fd00::2/2");
        assertThat(weight.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(weight.err()).contains("'fd00::2/2': an IPv6 address goes in brackets when anything follows it, "
                + "e.g. [fd00::2]/2").doesNotContain("Exception");

        Cli.Run list = cli.run("list", "fd00::2:8080");
        assertThat(list.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(list.err()).contains("is ambiguous");
        assertThat(cli.run("list", "-o", "json").json().toString()).doesNotContain("2001:db8::40");
    }

    @Test
    void theDaemonsRefusalsOfIpv6NameTheField() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run mixed = cli.run("service", "add", "mixed", "[2001:db8::50]:80", "--backend", "10.0.50.1:8080");
        assertThat(mixed.exitCode()).as(mixed.toString()).isEqualTo(ExitCode.API);
        assertThat(mixed.err()).startsWith("cvsadm: Invalid request (400)").contains("  backends[0]");

        Cli.Run loopback = cli.run("push", "[::1]:80", "[fd00::2]:8080");
        assertThat(loopback.exitCode()).as(loopback.toString()).isEqualTo(ExitCode.API);
        assertThat(loopback.err()).contains("  vip: ");
    }

    @Test
    void exportThenApplyKeepsIpv6ServicesAndReadsAnySpelling() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "applied-v6", "[2001:db8::60]:80", "--backend", "[fd00:6::1]:8080");
        Cli.Run export = cli.run("export");
        assertThat(export.out()).contains("vip: 2001:db8::60", "address: fd00:6::1");

        Path respelled = Cli.write(home.resolve("state.yaml"), export.out().replace("vip: 2001:db8::60",
                "vip: 2001:DB8:0:0::60").replace("address: fd00:6::1", "address: FD00:6:0::1"));
        Cli.Run dryRun = cli.run("apply", "-f", respelled.toString(), "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(dryRun.out()).containsPattern("= applied-v6 +\\[2001:db8::60]:80/TCP, 1 backend\\(s\\)")
                .contains("0 to update").doesNotContain("+backend", "-backend", "address ");

        Path moved = Cli.write(home.resolve("moved.yaml"), export.out().replace("address: fd00:6::1",
                "address: fd00:6::2"));
        Cli.Run apply = cli.run("apply", "-f", moved.toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).containsPattern("~ applied-v6 +\\+backend \\[fd00:6::2]:8080, -backend "
                + "\\[fd00:6::1]:8080");
        JsonNode service = cli.run("service", "show", "applied-v6", "-o", "json").json();
        assertThat(service.path("backends").get(0).path("address").asString()).isEqualTo("fd00:6::2");
    }
}
