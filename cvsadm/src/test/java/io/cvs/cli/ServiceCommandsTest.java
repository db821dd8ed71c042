package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code service add|edit|delete|list|show} and {@code backend add|remove|weight|drain} against a real daemon. */
class ServiceCommandsTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("service-commands");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void addsAServiceWithBackendsLabelsAndACheck() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run add = cli.run("service", "add", "web", "192.0.2.10:80", "--backend", "127.0.0.1:8080",
                "--backend", "127.0.0.1:8081/2", "--label", "app=web", "--label", "team=edge", "--check", "http",
                "--check-path", "/healthz", "--check-interval", "500", "--check-timeout", "200", "--rise", "1",
                "--fall", "2", "--when-all-down", "fail-closed");
        assertThat(add.exitCode()).as(add.toString()).isZero();
        assertThat(add.out()).startsWith("Created service web (192.0.2.10:80/TCP), id svc-");

        JsonNode web = cli.run("service", "show", "web", "-o", "json").json();
        assertThat(web.path("backends").get(1).path("weight").asInt()).isEqualTo(2);
        assertThat(web.path("labels").path("team").asString()).isEqualTo("edge");
        JsonNode check = web.path("healthCheck");
        assertThat(check.path("type").asString()).isEqualTo("HTTP");
        assertThat(check.path("path").asString()).isEqualTo("/healthz");
        assertThat(check.path("intervalMs").asInt()).isEqualTo(500);
        assertThat(check.path("timeoutMs").asInt()).isEqualTo(200);
        assertThat(check.path("rise").asInt()).isEqualTo(1);
        assertThat(check.path("fall").asInt()).isEqualTo(2);
        assertThat(check.path("whenAllDown").asString()).isEqualTo("FAIL_CLOSED");

        Cli.Run show = cli.run("service", "show", "web");
        assertThat(show.out()).contains("Name:     web", "Address:  192.0.2.10:80/TCP", "Labels:   app=web,team=edge",
                "Check:    HTTP GET /healthz (200-399) every 500 ms, timeout 200 ms, rise 1, fall 2, when all down "
                        + "FAIL_CLOSED", "127.0.0.1:8081       2");
    }

    @Test
    void editsFieldsLabelsAndTheCheckByMergePatch() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "edited", "192.0.2.11:80", "--label", "app=a", "--label", "team=t",
                "--check", "tcp", "--fall", "5");
        Cli.Run edit = cli.run("service", "edit", "edited", "--port", "8080", "--label", "app=b", "--remove-label",
                "team", "--check-interval", "1500");
        assertThat(edit.exitCode()).as(edit.toString()).isZero();
        assertThat(edit.out()).isEqualTo("Edited service edited (192.0.2.11:8080/TCP), now version 2\n");

        JsonNode edited = cli.run("service", "show", "edited", "-o", "yaml").yaml();
        assertThat(edited.path("port").asInt()).isEqualTo(8080);
        assertThat(edited.path("labels").properties()).hasSize(1);
        assertThat(edited.path("labels").path("app").asString()).isEqualTo("b");
        assertThat(edited.path("healthCheck").path("intervalMs").asInt()).isEqualTo(1500);
        assertThat(edited.path("healthCheck").path("fall").asInt()).as("kept from before").isEqualTo(5);

        assertThat(cli.run("service", "edit", "edited", "--no-check").exitCode()).isZero();
        assertThat(cli.run("service", "show", "edited", "-o", "json").json().has("healthCheck")).isFalse();
    }

    @Test
    void theRemovalPolicyIsSetByAddChangedByEditAndShown() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run add = cli.run("service", "add", "policy", "192.0.2.30:80", "--backend", "127.0.0.1:8080",
                "--on-backend-removal", "reset");
        assertThat(add.exitCode()).as(add.toString()).isZero();
        assertThat(cli.run("service", "show", "policy", "-o", "json").json().path("onBackendRemoval").asString())
                .isEqualTo("RESET");
        assertThat(cli.run("service", "show", "policy").out())
                .contains("Removal:  RESET: TCP connections to a backend that leaves are reset, UDP flows ended");

        Cli.Run edit = cli.run("service", "edit", "policy", "--on-backend-removal", "KEEP");
        assertThat(edit.exitCode()).as(edit.toString()).isZero();
        assertThat(cli.run("service", "show", "policy", "-o", "json").json().path("onBackendRemoval").asString())
                .isEqualTo("KEEP");

        Cli.Run wrong = cli.run("service", "edit", "policy", "--on-backend-removal", "drop");
        assertThat(wrong.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(wrong.err()).contains("'drop' is not KEEP or RESET");
    }

    @Test
    void theSchedulerAndAffinityAreSetByAddChangedByEditShownAndListed() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run add = cli.run("service", "add", "cart", "192.0.2.31:443", "--backend", "127.0.0.1:8443",
                "--backend", "127.0.0.1:8444", "--scheduler", "maglev", "--maglev-table-size", "251",
                "--affinity-timeout", "600");
        assertThat(add.exitCode()).as(add.toString()).isZero();
        JsonNode cart = cli.run("service", "show", "cart", "-o", "json").json();
        assertThat(cart.path("scheduler").asString()).isEqualTo("MAGLEV");
        assertThat(cart.path("maglev").path("tableSize").asInt()).isEqualTo(251);
        assertThat(cart.path("sessionAffinity").path("type").asString()).as("a timeout implies client-ip")
                .isEqualTo("CLIENT_IP");
        assertThat(cart.path("sessionAffinity").path("timeoutSeconds").asInt()).isEqualTo(600);
        assertThat(cli.run("service", "show", "cart").out()).contains("Selects:  maglev 251 client-ip 600s");
        assertThat(cli.run("list", "192.0.2.31").out()).isEqualTo("""
                Prot LocalAddress:Port   Name    Scheduler                  Check
                  -> RemoteAddress:Port  Weight                             Health
                TCP  192.0.2.31:443      cart    maglev 251 client-ip 600s  -
                  -> 127.0.0.1:8443      1                                  -
                  -> 127.0.0.1:8444      1                                  -
                """);

        Cli.Run edit = cli.run("service", "edit", "cart", "--scheduler", "random", "--affinity", "none");
        assertThat(edit.exitCode()).as(edit.toString()).isZero();
        JsonNode edited = cli.run("service", "show", "cart", "-o", "json").json();
        assertThat(edited.path("scheduler").asString()).isEqualTo("RANDOM");
        assertThat(edited.has("maglev")).isFalse();
        assertThat(edited.path("sessionAffinity").path("type").asString()).isEqualTo("NONE");

        Cli.Run wrong = cli.run("service", "edit", "cart", "--scheduler", "maglev", "--maglev-table-size", "250");
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.err()).contains("maglev.tableSize");
        assertThat(cli.run("service", "edit", "cart", "--scheduler", "round-robin").err())
                .contains("'round-robin' is not random or maglev");
    }

    @Test
    void pickShowsTheBackendAClientGetsAndWhy() {
        Cli cli = Cli.against(daemon, home);
        assertThat(cli.run("service", "add", "shop", "192.0.2.32:80", "--backend", "127.0.0.1:9080",
                "--scheduler", "maglev", "--maglev-table-size", "7").exitCode()).isZero();

        Cli.Run pick = cli.run("pick", "192.0.2.32:80", "198.51.100.7:40112");
        assertThat(pick.exitCode()).as(pick.toString()).isZero();
        assertThat(pick.out()).startsWith("127.0.0.1:9080  maglev  hash ")
                .endsWith("memory: routed 198.51.100.7:40112\n");
        JsonNode json = cli.run("pick", "192.0.2.32", "198.51.100.7:40112", "-o", "json").json();
        assertThat(json.path("reason").asString()).isEqualTo("maglev");
        assertThat(json.path("client").path("port").asInt()).isEqualTo(40112);

        Cli.Run nowhere = cli.run("pick", "192.0.2.99:80", "198.51.100.7");
        assertThat(nowhere.exitCode()).isNotZero();
        assertThat(nowhere.err()).contains("no service at 192.0.2.99:80/TCP");
    }

    @Test
    void editWithoutChangesIsAUsageError() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "unedited", "192.0.2.12:80");
        Cli.Run run = cli.run("service", "edit", "unedited");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("nothing to change");
    }

    @Test
    void listsByLabelAndDeletes() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "blue", "192.0.2.13:80", "--label", "color=blue", "--backend", "10.0.13.1:80");
        cli.run("service", "add", "green", "192.0.2.14:80", "--label", "color=green");
        Cli.Run blue = cli.run("service", "list", "--label", "color=blue");
        assertThat(blue.out()).contains("blue", "192.0.2.13:80/TCP", "color=blue").doesNotContain("green");
        assertThat(cli.run("service", "list", "--label", "color", "-o", "json").json()).hasSize(2);

        String id = cli.run("service", "show", "green", "-o", "json").json().path("id").asString();
        Cli.Run delete = cli.run("service", "delete", id);
        assertThat(delete.out()).isEqualTo("Deleted service green (192.0.2.14:80/TCP) with its 0 backend(s)\n");
        assertThat(cli.run("service", "list", "--label", "color", "-o", "json").json()).hasSize(1);
    }

    @Test
    void backendVerbsAddReweighDrainAndRemove() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "pool", "192.0.2.15:80", "--backend", "10.0.15.1:8080");
        assertThat(cli.run("backend", "add", "pool", "10.0.15.2:8080", "--weight", "2").out())
                .isEqualTo("Added backend 10.0.15.2:8080 to service pool (192.0.2.15:80/TCP)\n");
        assertThat(cli.run("backend", "weight", "pool", "10.0.15.1:8080", "5").out())
                .contains("now has weight 5");
        Cli.Run drain = cli.run("backend", "drain", "pool", "10.0.15.2:8080");
        assertThat(drain.out()).contains("weight 0, no new connections; established connections stay");

        JsonNode pool = cli.run("backend", "remove", "pool", "10.0.15.1:8080", "-o", "json").json();
        assertThat(pool.path("backends")).hasSize(1);
        assertThat(pool.path("backends").get(0).path("address").asString()).isEqualTo("10.0.15.2");
        assertThat(pool.path("backends").get(0).path("weight").asInt()).isZero();
    }

    @Test
    void backendPortDefaultsToTheServicePort() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "ports", "192.0.2.16:443");
        assertThat(cli.run("backend", "add", "ports", "10.0.16.1").exitCode()).isZero();
        assertThat(SeedVerbsTest.backends(cli, "192.0.2.16:443")).containsExactly("10.0.16.1:443");
    }

    @Test
    void weightOfABackendThatIsNotThereIsAnApiError() {
        Cli cli = Cli.against(daemon, home);
        cli.run("service", "add", "lonely", "192.0.2.17:80");
        Cli.Run run = cli.run("backend", "weight", "lonely", "10.0.17.9:80", "3");
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).contains("Precondition failed (412): Backend 10.0.17.9:80 does not exist.");
        assertThat(SeedVerbsTest.backends(cli, "192.0.2.17:80")).isEmpty();
    }
}
