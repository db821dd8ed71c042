package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.cvs.deploy.DeployTool.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml is valid Compose (docker-compose config, which needs no engine), the files it mounts from the
 * repository exist, its secrets are the ones deploy/make-secrets makes, and Prometheus is handed the token the
 * daemon takes as its viewer token.
 */
class ComposeFileTest {

    @TempDir
    Path scratch;

    @Test
    void composeValidatesTheFile() {
        Result config = DeployTool.dockerCompose().run(Repo.TOP, "-f", "docker-compose.yml", "config", "-q");
        assertThat(config.exitCode()).as(config.output()).isZero();
    }

    @Test
    void composeRefusesABrokenCopy() throws IOException {
        String compose = Repo.read("docker-compose.yml");
        String broken = compose.replace("    cap_add:", "    cap_adds:");
        assertThat(broken).isNotEqualTo(compose);
        Files.writeString(scratch.resolve("docker-compose.yml"), broken);

        Result config = DeployTool.dockerCompose().run(scratch, "-f", "docker-compose.yml", "config", "-q");

        assertThat(config.exitCode()).isNotZero();
        assertThat(config.output()).contains("cap_adds");
    }

    @Test
    void everyRepositoryPathItBuildsOrMountsExists() {
        Result config = DeployTool.dockerCompose().run(Repo.TOP, "-f", "docker-compose.yml", "config");
        assertThat(config.exitCode()).as(config.output()).isZero();
        Map<String, Map<String, Object>> services = Repo.at(new Yaml().load(config.output()), "services");

        List<Path> checked = new ArrayList<>();
        services.forEach((name, service) -> {
            if (service.get("build") instanceof Map<?, ?> build) {
                Path context = Path.of((String) build.get("context"));
                assertThat(context.resolve("Dockerfile")).as("Dockerfile of service %s", name).isRegularFile();
                checked.add(context);
            }
            for (Object volume : (List<?>) service.getOrDefault("volumes", List.of())) {
                String source = volume instanceof Map<?, ?> bind ? (String) bind.get("source")
                        : ((String) volume).split(":")[0];
                if (source.startsWith(Repo.TOP.toString())) {
                    assertThat(Path.of(source)).as("mounted by service %s", name).exists();
                    checked.add(Path.of(source));
                }
            }
        });
        assertThat(checked).as("repository paths the stack uses").contains(Repo.TOP,
                Repo.TOP.resolve("deploy/prometheus"), Repo.TOP.resolve("deploy/grafana/provisioning"),
                Repo.TOP.resolve("deploy/grafana/dashboards"), Repo.TOP.resolve("deploy/etcd"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void etcdIsOptionalLoopbackOnlyAndWhereTheDaemonsCommentedEndpointPoints() {
        // docker-compose 1.29's config lists every service whatever the profiles, so the profile is read from it
        Result config = DeployTool.dockerCompose().run(Repo.TOP, "-f", "docker-compose.yml", "--profile", "fleet",
                "config");
        assertThat(config.exitCode()).as(config.output()).isZero();
        Map<String, Map<String, Object>> services = Repo.at(new Yaml().load(config.output()), "services");
        assertThat(services.get("etcd").get("profiles")).as("started only by --profile fleet")
                .isEqualTo(List.of("fleet"));
        assertThat(services.get("cvs")).as("the daemon starts without it").doesNotContainKey("profiles");

        Map<String, Object> etcd = ComposeStack.ofRepository().service("etcd");
        assertThat(etcd.get("build")).isEqualTo("./deploy/etcd");
        assertThat(etcd.get("network_mode")).isEqualTo("host");
        assertThat((List<Object>) etcd.get("volumes")).containsExactly("etcd:/var/lib/etcd");
        String dockerfile = Repo.read("deploy/etcd/Dockerfile");
        List<String> urls = EtcdImage.urls(dockerfile);
        assertThat(urls).hasSize(6).allSatisfy(url -> assertThat(url).startsWith("http://127.0.0.1:"));
        assertThat(dockerfile).contains("--data-dir=/var/lib/etcd/");
        assertThat(Repo.read("docker-compose.yml")).as("the daemon's endpoint, commented: fleet mode is opt-in")
                .contains("      # CVS_FLEET_ETCD_ENDPOINTS: " + EtcdImage.clientUrl(dockerfile) + "\n");
    }

    @Test
    void makeSecretsMakesEverySecretTheStackReadsOnceForItsOwnerOnly() throws IOException {
        requireRoot();
        Path deploy = Files.createDirectories(scratch.resolve("deploy"));
        Files.copy(Repo.file("deploy/make-secrets"), deploy.resolve("make-secrets"));
        Path script = deploy.resolve("make-secrets");
        Map<String, Map<String, String>> secrets = Repo.at(Repo.yaml("docker-compose.yml"), "secrets");

        Result first = new DeployTool(script).run(scratch);
        assertThat(first.exitCode()).as(first.output()).isZero();
        List<String> made = new ArrayList<>();
        for (Map<String, String> secret : secrets.values()) {
            Path file = scratch.resolve(secret.get("file")).normalize();
            assertThat(file).as("secret %s", secret.get("file")).isRegularFile();
            assertThat(Files.readString(file).strip()).hasSizeGreaterThanOrEqualTo(32);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--------");
            made.add(Files.readString(file));
        }
        assertThat(Files.getAttribute(scratch.resolve(secrets.get("cvs_admin_token").get("file")), "unix:uid"))
                .as("owner of the admin token: the daemon refuses one that others can read").isEqualTo(0);

        Result again = new DeployTool(script).run(scratch);
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).as("a second run makes nothing").isEmpty();
        assertThat(secrets.values().stream().map(secret -> Repo.read(scratch.resolve(secret.get("file")))))
                .containsExactlyElementsOf(made);
    }

    @Test
    void prometheusScrapesWithTheTokenTheDaemonTakesAsItsViewerToken() {
        ComposeStack stack = ComposeStack.ofRepository();
        String configTree = stack.environment("cvs", "SPRING_CONFIG_IMPORT");
        assertThat(configTree).startsWith("configtree:").endsWith("/");
        String viewerProperty = stack.secretPath("cvs", "cvs_viewer_token");
        assertThat(viewerProperty).isEqualTo(configTree.substring("configtree:".length())
                + "cvs.security.viewer-token");
        assertThat(stack.environment("cvs", "CVS_SECURITY_TOKEN_FILE"))
                .isEqualTo(stack.secretPath("cvs", "cvs_admin_token"));

        String credentials = Repo.at(scrapeConfig("cvs"), "authorization", "credentials_file");
        assertThat(credentials).isEqualTo(stack.secretPath("prometheus", "cvs_viewer_token"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> scrapeConfig(String job) {
        for (Map<String, Object> scrape : (List<Map<String, Object>>) Repo.at(
                Repo.yaml("deploy/prometheus/prometheus.yml"), "scrape_configs")) {
            if (job.equals(scrape.get("job_name"))) {
                return scrape;
            }
        }
        return fail("deploy/prometheus/prometheus.yml has no job " + job);
    }

    private static void requireRoot() throws IOException {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!uid.equals(0)) {
            String message = "DEPLOY CHECK NOT RUN: deploy/make-secrets needs root (uid " + uid + ")";
            if (System.getenv("CI") != null) {
                fail(message + " (CI must run it)");
            }
            System.err.println("!!! " + message + " !!!");
            Assumptions.abort(message);
        }
    }
}
