package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/cvsadm, the launcher operators run, as a subprocess on the packaged jar (hence an integration test:
 * it runs after {@code package}). Its environment is cleared but for PATH, so the machine's CVS_* settings and
 * config file play no part.
 */
class LauncherIT {

    private static TestDaemon daemon;

    @TempDir
    Path home;

    @BeforeAll
    static void startDaemon() {
        daemon = TestDaemon.start("launcher");
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    record Result(int exitCode, String out, String err, long millis) {
    }

    @Test
    void runsTheSeedVerbsThroughTheJar() throws Exception {
        Map<String, String> env = Map.of("CVS_URL", daemon.url(), "CVS_TOKEN", TestDaemon.ADMIN_TOKEN);
        assertThat(launch(launcher(), env, "push", "192.0.2.70", "10.0.70.1:8080").exitCode()).isZero();
        assertThat(launch(launcher(), env, "push", "192.0.2.70", "10.0.70.2:8080").exitCode()).isZero();
        Result list = launch(launcher(), env, "list", "192.0.2.70");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("TCP  192.0.2.70:80", "-> 10.0.70.1:8080", "-> 10.0.70.2:8080");
        Result pop = launch(launcher(), env, "pop", "192.0.2.70");
        assertThat(pop.out()).contains("Removed backend 10.0.70.2:8080");
        for (int i = 0; i < 3; i++) {
            System.out.printf("scripts/cvsadm list took %d ms%n", launch(launcher(), env, "list").millis());
        }
    }

    @Test
    void exitCodesReachTheShell() throws Exception {
        String deadUrl = "http://127.0.0.1:" + TestDaemon.freePort();
        Result unreachable = launch(launcher(), Map.of("CVS_URL", deadUrl), "list");
        assertThat(unreachable.exitCode()).isEqualTo(4);
        assertThat(unreachable.err()).isEqualTo("cvsadm: cannot reach the cvs daemon at " + deadUrl
                + " (connection refused); is it running? (scripts/run)\n");
        assertThat(launch(launcher(), Map.of(), "push", "not-an-address", "10.0.0.1").exitCode()).isEqualTo(2);
        Result help = launch(launcher(), Map.of(), "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Exit codes:", "push", "apply");
    }

    @Test
    void saysSoWhenTheJarIsNotBuilt() throws Exception {
        Path scripts = Files.createDirectories(home.resolve("clone/scripts"));
        Path copy = Files.copy(launcher(), scripts.resolve("cvsadm"));
        Result result = launch(copy, Map.of(), "list");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("cvsadm: " + home.toRealPath().resolve("clone/cvsadm/target/cvsadm.jar")
                + " is not built; run scripts/run, or: mvn -DskipTests package\n");
    }

    private static Path launcher() {
        return Path.of(System.getProperty("cvs.launcher", "../scripts/cvsadm"));
    }

    private Result launch(Path script, Map<String, String> env, String... args) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().put("HOME", home.toString());
        builder.environment().putAll(env);
        long start = System.nanoTime();
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1_000_000);
    }
}
