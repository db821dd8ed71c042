package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README.md's "Run in a container" names only things that exist: the commands it runs, the repository files it
 * points to, the secret files (made by deploy/make-secrets, named in docker-compose.yml) and the ports of its URLs.
 */
class ReadmeStackTest {

    private static final Pattern CODE_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern QUOTED = Pattern.compile("`([^`\\s]+)`");
    private static final Pattern LOCAL_URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)");
    /** Grafana's own default: docker-compose.yml sets GF_SERVER_HTTP_ADDR but not GF_SERVER_HTTP_PORT. */
    private static final String GRAFANA_PORT = "3000";

    private final String section = section();

    @Test
    void itsCommandsExist() {
        Matcher block = CODE_BLOCK.matcher(section);
        assertThat(block.find()).as("a sh block in the section").isTrue();
        List<String> commands = new ArrayList<>();
        for (String line : block.group(1).split("\n")) {
            String command = line.replaceAll("#.*", "").strip();
            if (!command.isEmpty()) {
                commands.add(command.split("\\s+")[0]);
            }
        }
        assertThat(commands).contains("deploy/make-secrets", "docker-compose");
        for (String command : commands) {
            if (command.contains("/")) {
                assertThat(Files.isExecutable(Repo.file(command))).as("%s is executable", command).isTrue();
            } else {
                assertThat(command).isEqualTo("docker-compose");
            }
        }
        assertThat(Repo.file("docker-compose.yml")).as("the file docker-compose reads by default").exists();
    }

    @Test
    void theFilesItNamesExistOrAreTheStacksSecrets() {
        Map<String, Map<String, String>> secrets = Repo.at(Repo.yaml("docker-compose.yml"), "secrets");
        Set<String> secretFiles = new TreeSet<>();
        secrets.values().forEach(secret -> secretFiles.add(secret.get("file").replaceFirst("^\\./", "")));
        List<String> named = new ArrayList<>();
        Matcher quoted = QUOTED.matcher(section);
        while (quoted.find()) {
            String path = quoted.group(1);
            if (!path.matches("[\\w.-]+(/[\\w.-]+)*/?") || !path.contains("/") && !path.contains(".")
                    && !path.equals("Dockerfile")) {
                continue; // not a repository path: a word, an absolute path or a value
            }
            named.add(path);
            if (path.startsWith("deploy/secrets/")) {
                assertThat(secretFiles).as("secrets of docker-compose.yml").contains(path);
            } else {
                assertThat(Repo.TOP.resolve(path)).as("named in README.md").exists();
            }
        }
        assertThat(named).contains("Dockerfile", "docker-compose.yml", "deploy/prometheus/prometheus.yml",
                "deploy/etcd/Dockerfile",
                "deploy/grafana/dashboards/cvs.json", "deploy/secrets/admin-token");
    }

    @Test
    void itsUrlsAreWhereTheStackListens() {
        List<String> prometheus = Repo.at(ComposeStack.ofRepository().service("prometheus"), "command");
        String prometheusPort = prometheus.stream().filter(arg -> arg.startsWith("--web.listen-address="))
                .map(arg -> arg.substring(arg.lastIndexOf(':') + 1)).findFirst().orElseThrow();
        Map<String, Object> application = Repo.yaml("daemon/src/main/resources/application.yaml");
        String daemonPort = String.valueOf((Object) Repo.at(application, "server", "port"));
        assertThat(ComposeStack.ofRepository().service("grafana").toString()).doesNotContain("GF_SERVER_HTTP_PORT");

        Set<String> ports = new TreeSet<>();
        Matcher url = LOCAL_URL.matcher(section);
        while (url.find()) {
            ports.add(url.group(1));
        }
        String etcdPort = EtcdImage.clientPort(Repo.read("deploy/etcd/Dockerfile"));
        assertThat(ports).containsExactlyInAnyOrder(daemonPort, prometheusPort, GRAFANA_PORT, etcdPort);
    }

    private static String section() {
        String readme = Repo.read("README.md");
        int start = readme.indexOf("\n## Run in a container\n");
        assertThat(start).as("README.md has a section \"Run in a container\"").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
