package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code export} and {@code apply}: the whole state out and back in. Each test starts from an empty daemon. */
class ApplyExportTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    private Cli cli;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("apply-export");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @BeforeEach
    void emptyDaemonWithTwoServices() {
        cli = Cli.against(daemon, home);
        assertThat(cli.stdin("services: []\n").run("apply", "-f", "-").exitCode()).isZero();
        // the daemon probes checked backends for real: loopback only
        cli.run("service", "add", "web", "192.0.2.50:80", "--backend", "127.0.0.1:18080", "--backend",
                "127.0.0.1:18081/2", "--label", "version=1.0", "--label", "canary=true", "--check", "http",
                "--check-path", "/healthz");
        cli.run("service", "add", "dns", "198.51.100.53:53/UDP", "--backend", "10.0.51.1:53");
    }

    @Test
    void exportThenApplyIsANoOp() {
        Cli.Run export = cli.run("export");
        assertThat(export.exitCode()).isZero();
        assertThat(export.out()).startsWith("services:\n").contains("version: \"1.0\"", "canary: \"true\"");
        Path file = Cli.write(home.resolve("state.yaml"), export.out());
        JsonNode before = cli.run("list", "-o", "json").json();

        Cli.Run apply = cli.run("apply", "-f", file.toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("= dns  198.51.100.53:53/UDP, 1 backend(s)", "= web  192.0.2.50:80/TCP", "Applied: 0 created, 0 updated, 0 deleted, 2 unchanged");
        assertThat(cli.run("list", "-o", "json").json()).as("same ids and versions").isEqualTo(before);

        Path json = Cli.write(home.resolve("state.json"), cli.run("export", "-o", "json").out());
        JsonNode result = cli.run("apply", "-f", json.toString(), "-o", "json").json();
        assertThat(result.path("unchanged")).hasSize(2);
        assertThat(result.path("created")).isEmpty();
    }

    @Test
    void theRemovalPolicyIsExportedAndAChangeOfItIsShownAndApplied() {
        String export = cli.run("export").out();
        assertThat(export).contains("onBackendRemoval: KEEP");
        Path file = Cli.write(home.resolve("reset.yaml"), export.replaceFirst("onBackendRemoval: KEEP",
                "onBackendRemoval: RESET"));

        Cli.Run apply = cli.run("apply", "-f", file.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("onBackendRemoval KEEP -> RESET", "1 updated");
        assertThat(cli.run("list", "-o", "json").json().findValuesAsString("onBackendRemoval"))
                .containsExactlyInAnyOrder("KEEP", "RESET");
    }

    @Test
    void aSchedulerAndAffinityChangeIsShownInTheFilesTermsAndApplied() {
        String export = cli.run("export").out();
        assertThat(export).contains("scheduler: RANDOM", "type: NONE");
        Path file = Cli.write(home.resolve("maglev.yaml"), export.replaceFirst("scheduler: RANDOM",
                "scheduler: MAGLEV\n  maglev:\n    tableSize: 251").replaceFirst("type: NONE",
                "type: CLIENT_IP"));

        Cli.Run apply = cli.run("apply", "-f", file.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("scheduler RANDOM -> MAGLEV 251", "sessionAffinity NONE -> CLIENT_IP",
                "1 updated");
        assertThat(cli.run("export").out()).contains("tableSize: 251", "timeoutSeconds: 10800");
        Cli.Run again = cli.run("apply", "-f", file.toString());
        assertThat(again.out()).as("the file leaves the timeout to the daemon: nothing to change")
                .contains("0 updated");
    }

    @Test
    void dryRunShowsTheDiffAndChangesNothing() {
        String changed = cli.run("export").out()
                .replace("port: 18081\n    weight: 2", "port: 18081\n    weight: 5")
                .replace("- name: dns", "- name: dns2");
        Path file = Cli.write(home.resolve("changed.yaml"), changed);
        JsonNode before = cli.run("list", "-o", "json").json();

        Cli.Run dryRun = cli.run("apply", "-f", file.toString(), "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(dryRun.out()).contains("+ dns2  198.51.100.53:53/UDP, 1 backend(s)",
                "~ web   backend 127.0.0.1:18081 weight 2 -> 5", "- dns   198.51.100.53:53/UDP",
                "Dry run, nothing changed: 1 to create, 1 to update, 1 to delete, 0 unchanged");
        assertThat(cli.run("list", "-o", "json").json()).isEqualTo(before);

        JsonNode machine = cli.run("apply", "-f", file.toString(), "--dry-run", "-o", "yaml").yaml();
        assertThat(machine.path("dryRun").asBoolean()).isTrue();
        assertThat(machine.path("created").get(0).has("id")).isFalse();

        Cli.Run applied = cli.run("apply", "-f", file.toString());
        assertThat(applied.out()).contains("Applied: 1 created, 1 updated, 1 deleted, 0 unchanged");
        assertThat(cli.run("service", "show", "dns2").exitCode()).isZero();
        assertThat(cli.run("service", "show", "dns").exitCode()).isEqualTo(3);
    }

    @Test
    void appliesJsonFromStdin() {
        Cli.Run run = cli.stdin("""
                {"services": [{"name": "only", "vip": "203.0.113.5", "port": 80, "protocol": "TCP",
                               "backends": [{"address": "10.0.52.1", "port": 80}]}]}
                """).run("apply", "-f", "-");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("+ only", "- dns", "- web");
        assertThat(cli.run("list", "-o", "json").json()).hasSize(1);
    }

    @Test
    void invalidFileChangesNothing() {
        JsonNode before = cli.run("list", "-o", "json").json();
        Path broken = Cli.write(home.resolve("broken.yaml"), "services: [\n  - name: x\n");
        Cli.Run notYaml = cli.run("apply", "-f", broken.toString());
        assertThat(notYaml.exitCode()).isEqualTo(2);
        assertThat(notYaml.err()).contains("is not valid YAML");

        Path twice = Cli.write(home.resolve("twice.yaml"), """
                services:
                - {name: same, vip: 192.0.2.60, port: 80, protocol: TCP}
                - {name: same, vip: 192.0.2.61, port: 80, protocol: TCP}
                """);
        Cli.Run duplicate = cli.run("apply", "-f", twice.toString());
        assertThat(duplicate.exitCode()).isEqualTo(3);
        assertThat(duplicate.err()).contains("Invalid request (400)", "services[1].name");

        assertThat(cli.run("apply", "-f", home.resolve("missing.yaml").toString()).exitCode()).isEqualTo(2);
        assertThat(cli.run("list", "-o", "json").json()).isEqualTo(before);
    }

    @Test
    void exportAsATableIsAUsageError() {
        assertThat(cli.run("export", "-o", "table").exitCode()).isEqualTo(2);
    }
}
