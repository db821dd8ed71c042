package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every class of failure, with its exit code and what it prints on stderr; nothing on stdout. */
class ErrorsTest {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("errors");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @Test
    void badUsageExitsWith2() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run noCommand = cli.run();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("Missing command");

        Cli.Run badVip = cli.run("push", "192.0.2", "10.0.0.1");
        assertThat(badVip.exitCode()).isEqualTo(2);
        assertThat(badVip.err()).contains("'192.0.2' is not VIP[:PORT[/PROTO]]");

        Cli.Run badProtocol = cli.run("list", "192.0.2.1:80/sctp");
        assertThat(badProtocol.exitCode()).isEqualTo(2);
        assertThat(badProtocol.err()).contains("the protocol is TCP or UDP, not sctp");

        Cli.Run unknownOption = cli.run("list", "--colour");
        assertThat(unknownOption.exitCode()).isEqualTo(2);
        assertThat(unknownOption.err()).isEqualTo("cvsadm: Unknown option: '--colour'\n  try 'cvsadm list --help'\n");
        assertThat(noCommand.out() + badVip.out() + unknownOption.out()).isEmpty();
    }

    @Test
    void everyCommandHasHelp() {
        Cli cli = new Cli(home);
        for (String[] command : new String[][] {{"push"}, {"pop"}, {"list"}, {"service", "add"},
                {"service", "edit"}, {"service", "delete"}, {"service", "list"}, {"service", "show"},
                {"backend", "add"}, {"backend", "remove"}, {"backend", "weight"}, {"backend", "drain"}, {"stats"},
                {"health"}, {"apply"}, {"export"}, {"status"}, {"fleet"}, {"ipvsadm"}, {"completion"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command));
            args.add("--help");
            Cli.Run run = cli.run(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(String.join(" ", command)).isZero();
            assertThat(run.out()).startsWith("Usage: cvsadm " + String.join(" ", command));
        }
    }

    @Test
    void fieldErrorsOfA400AreListed() {
        Cli.Run run = Cli.against(daemon, home).run("service", "add", "loopback", "127.0.0.10:80",
                "--backend", "10.0.0.1:80", "--backend", "10.0.0.1:80");
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).startsWith("cvsadm: Invalid request (400): ")
                .contains("  vip: must not be in 127.0.0.0/8 (loopback)")
                .contains("  backends[1]: duplicates backends[0] (10.0.0.1:80)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void unknownServiceIsNotFound() {
        Cli cli = Cli.against(daemon, home);
        Cli.Run byName = cli.run("service", "show", "nosuch");
        assertThat(byName.exitCode()).isEqualTo(3);
        assertThat(byName.err()).isEqualTo("cvsadm: no service is named 'nosuch' or has that id; 'cvsadm service "
                + "list' shows them\n");
        Cli.Run byId = cli.run("backend", "add", "svc-zzzzzzzzzz", "10.0.0.1:80");
        assertThat(byId.exitCode()).isEqualTo(3);
        assertThat(byId.err()).contains("no service is named 'svc-zzzzzzzzzz' or has that id");
    }

    @Test
    void takenNameIsAConflict() {
        Cli cli = Cli.against(daemon, home);
        assertThat(cli.run("service", "add", "taken", "192.0.2.30:80").exitCode()).isZero();
        Cli.Run run = cli.run("service", "add", "taken", "192.0.2.31:80");
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err()).startsWith("cvsadm: Name already in use (409): The name taken belongs to service svc-");
    }

    @Test
    void wrongTokenIsAnAuthenticationFailureWithAHint() {
        Cli.Run run = Cli.against(daemon, home).env("CVS_TOKEN", "not-the-token-at-all").run("list");
        assertThat(run.exitCode()).isEqualTo(5);
        assertThat(run.err()).contains("cvsadm: Unauthorized (401): The bearer token is not valid.",
                "hint: the daemon does not know the token from CVS_TOKEN");
    }

    @Test
    void missingTokenNamesEveryWayToGiveOne() {
        Cli.Run run = Cli.against(daemon, home).env("CVS_TOKEN", null).run("list");
        assertThat(run.exitCode()).isEqualTo(5);
        assertThat(run.err()).contains("Unauthorized (401): A bearer token is required.",
                "no token was sent: pass --token or --token-file, set CVS_TOKEN",
                "/var/lib/cvs/admin-token");
    }

    @Test
    void viewerTokenMayReadButNotWrite() {
        Cli cli = Cli.against(daemon, home).env("CVS_TOKEN", TestDaemon.VIEWER_TOKEN);
        assertThat(cli.run("list").exitCode()).isZero();
        Cli.Run write = cli.run("push", "192.0.2.32", "10.0.0.1");
        assertThat(write.exitCode()).isEqualTo(5);
        assertThat(write.err()).contains("Forbidden (403)", "may only read; changes need the admin token");
    }

    @Test
    void daemonNotRunningIsExit4WithOneLine() {
        String url = "http://127.0.0.1:" + TestDaemon.freePort();
        Cli.Run run = Cli.against(daemon, home).env("CVS_URL", url).run("list");
        assertThat(run.exitCode()).isEqualTo(4);
        assertThat(run.err()).isEqualTo("cvsadm: cannot reach the cvs daemon at " + url
                + " (connection refused); is it running? (scripts/run)\n");
    }

    @Test
    void flagBeatsEnvironmentWhichBeatsTheConfigFile() {
        String deadUrl = "http://127.0.0.1:" + TestDaemon.freePort();
        Path config = Cli.write(home.resolve(".config/cvs/cvsadm.yaml"),
                "url: " + deadUrl + "\ntoken: from-the-config-file\n");
        Cli cli = new Cli(home);

        Cli.Run fromFile = cli.run("list");
        assertThat(fromFile.exitCode()).as("the config file's dead URL is used").isEqualTo(4);
        assertThat(fromFile.err()).contains(deadUrl);

        cli.env("CVS_URL", daemon.url());
        Cli.Run envUrlFileToken = cli.run("list");
        assertThat(envUrlFileToken.exitCode()).as("CVS_URL beats the file; its token is still used").isEqualTo(5);
        assertThat(envUrlFileToken.err()).contains("the token from token in " + config);

        cli.env("CVS_TOKEN", "wrong-token-from-env");
        assertThat(cli.run("list", "--token", TestDaemon.ADMIN_TOKEN).exitCode()).as("--token beats CVS_TOKEN")
                .isZero();
        Path tokenFile = Cli.writeSecret(home.resolve("token"), TestDaemon.ADMIN_TOKEN + "\n");
        assertThat(cli.run("list", "--token-file", tokenFile.toString()).exitCode()).isZero();
        assertThat(cli.run("list", "--url", deadUrl, "--token", TestDaemon.ADMIN_TOKEN).exitCode())
                .as("--url beats CVS_URL").isEqualTo(4);
    }

    @Test
    void configFileNamedByCvsConfigWithATokenFile() {
        Path tokenFile = Cli.writeSecret(home.resolve("secret/token"), TestDaemon.ADMIN_TOKEN);
        Path config = Cli.write(home.resolve("elsewhere.yaml"), "url: " + daemon.url() + "\ntokenFile: " + tokenFile
                + "\n");
        assertThat(new Cli(home).env("CVS_CONFIG", config.toString()).run("list").exitCode()).isZero();
    }

    @Test
    void daemonTokenFileIsTheLastResort() {
        Path generated = Cli.writeSecret(home.resolve("var/lib/cvs/admin-token"), TestDaemon.ADMIN_TOKEN + "\n");
        Cli cli = new Cli(home).env("CVS_URL", daemon.url()).daemonTokenFile(generated);
        assertThat(cli.run("list").exitCode()).isZero();
    }

    @Test
    void brokenConfigFileIsAUsageError() {
        Cli.write(home.resolve(".config/cvs/cvsadm.yaml"), "url: http://127.0.0.1:1\nbogus: 1\n");
        Cli.Run run = new Cli(home).run("list");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("config file " + home.resolve(".config/cvs/cvsadm.yaml"), "bogus");
    }

    @Test
    void tokenAndTokenFileTogetherIsAUsageError() {
        Cli.Run run = Cli.against(daemon, home).run("list", "--token", "x", "--token-file", "/dev/null");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("cvsadm: give --token or --token-file, not both\n");
    }
}
