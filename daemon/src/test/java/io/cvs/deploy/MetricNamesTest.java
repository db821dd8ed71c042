package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.journal.TestJournals;
import io.cvs.process.DaemonClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The daemon as the stack runs it, in this JVM with the memory datapath: its viewer token comes from a config tree
 * laid out as docker-compose.yml mounts it, a service with backends exists, and Prometheus' scrape is made over
 * real HTTP with that token. Every metric name the dashboard and the alert rules use must be among the samples
 * of that scrape (histograms by their _bucket, _sum and _count samples), and {@code promtool check metrics} finds
 * nothing in it but three names Micrometer chose. The container's HEALTHCHECK command is run against the same daemon.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {"cvs.datapath=memory",
    "cvs.addresses.allow-loopback-backends=true", // its checked backend is a listener of its own on loopback
    "spring.config.import=configtree:" + MetricNamesTest.CONFIG_TREE_PATH + "/"})
class MetricNamesTest {

    /** Series Prometheus makes itself for every target, not scraped from it. */
    private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");

    /**
     * The cvs_ names agreed for issue 7, and for issue 17 (selection policies); histograms are scraped as their
     * _bucket, _sum and _count samples.
     */
    private static final Set<String> AGREED = Set.of("cvs_backend_connections_total", "cvs_backend_packets_total",
            "cvs_backend_bytes_total", "cvs_backend_weight", "cvs_backend_up", "cvs_service_connections_total",
            "cvs_service_refused_total", "cvs_service_retried_total", "cvs_service_backends", "cvs_map_entries",
            "cvs_map_max_entries", "cvs_datapath_info", "cvs_reconcile_runs_total", "cvs_reconcile_repairs_total",
            "cvs_health_probes_total", "cvs_health_probes_in_flight", "cvs_health_transitions_total",
            "cvs_services", "cvs_affinity_entries", "cvs_affinity_max_entries");
    private static final Set<String> AGREED_HISTOGRAMS = Set.of("cvs_programming_duration_seconds",
            "cvs_journal_fsync_duration_seconds", "cvs_journal_batch_size", "cvs_health_probe_duration_seconds",
            "cvs_maglev_rebuild_seconds");

    /**
     * Names this test cannot make appear, each for its reason: packets and bytes are counted only by cvs.ko, which
     * these machines' kernel cannot load; probe results need probes, and a daemon in this JVM would send them from
     * the host's network to backend addresses that are not this test's to reach.
     */
    /** Counted only by cvs.ko (bytes) or for UDP on a forwarding datapath (packets): this daemon is memory mode. */
    private static final Set<String> NOT_MADE_HERE = Set.of("cvs_backend_packets_total", "cvs_backend_bytes_total");
    /**
     * What promtool flags that is Micrometer's to name, not cvs' or Spring's configuration's: names with a unit
     * abbreviated ({@code _ms}, {@code _ns}) or ending in {@code _count} that dashboards everywhere know as they are.
     */
    private static final Set<String> MICROMETERS_OWN_NAMES = Set.of("jvm_compilation_time_ms_total",
            "process_cpu_time_ns_total", "system_cpu_count");
    private static final Path RUN = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "deploy")
            .toAbsolutePath();
    static final String CONFIG_TREE_PATH = "target/deploy-test/config-tree";
    private static final Path CONFIG_TREE = Path.of(CONFIG_TREE_PATH);
    private static final Path ADMIN_TOKEN_FILE = RUN.resolve("admin-token");
    private static final String VIEWER_TOKEN = "viewer-token-as-deploy-make-secrets-makes-0123456789";
    private static final Pattern SAMPLE_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]",
            Pattern.MULTILINE);

    @LocalServerPort
    private int port;

    /**
     * The viewer token file at the path compose mounts it, relative to the config tree compose imports. Spring reads
     * spring.config.import before test property sources with computed values exist, so the tree is at a fixed path
     * under target/, made when this class loads, before its daemon starts.
     */
    static {
        ComposeStack stack = ComposeStack.ofRepository();
        String configTree = stack.environment("cvs", "SPRING_CONFIG_IMPORT").substring("configtree:".length());
        Path viewerFile = Path.of(configTree).relativize(Path.of(stack.secretPath("cvs", "cvs_viewer_token")));
        try {
            Files.createDirectories(CONFIG_TREE.resolve(viewerFile).getParent());
            Files.writeString(CONFIG_TREE.resolve(viewerFile), VIEWER_TOKEN + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void freshState(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("deploy").toString());
        properties.add("cvs.security.token-file", ADMIN_TOKEN_FILE::toString);
    }

    @Test
    void everyMetricTheDashboardAndTheRulesUseIsExported() {
        Set<String> missing = new TreeSet<>(usedNames());
        missing.removeAll(scrapedNames());
        missing.removeAll(MADE_BY_PROMETHEUS);
        missing.removeAll(NOT_MADE_HERE);
        assertThat(missing).as("metric names that %s or %s use but /actuator/prometheus does not export",
                Dashboard.FILE, "deploy/prometheus/rules.yml").isEmpty();
    }

    @Test
    void everyCvsMetricTheDashboardAndTheRulesUseIsAnAgreedName() {
        Set<String> agreed = new TreeSet<>(AGREED);
        AGREED_HISTOGRAMS.forEach(name -> agreed.addAll(List.of(name + "_bucket", name + "_sum", name + "_count")));
        Set<String> unknown = new TreeSet<>(usedNames());
        unknown.removeIf(name -> !name.startsWith("cvs_") || agreed.contains(name));
        assertThat(unknown).as("cvs_ names used that were not agreed for issue 7").isEmpty();
        assertThat(agreed).containsAll(NOT_MADE_HERE);
    }

    @Test
    void theJvmAndProcessMetricsTheDashboardUsesAreExported() {
        Set<String> jvm = new TreeSet<>(usedNames());
        jvm.removeIf(name -> !name.startsWith("jvm_") && !name.startsWith("process_"));
        assertThat(jvm).hasSizeGreaterThanOrEqualTo(3);
        assertThat(scrapedNames()).containsAll(jvm).doesNotContain("jvm_not_a_metric");
    }

    @Test
    void promtoolFindsNothingToLintInTheScrape() throws IOException {
        Path scrape = Files.writeString(Files.createDirectories(RUN).resolve("scrape.txt"), scrape());

        DeployTool.Result check = DeployTool.promtool().runWithInput(scrape, "check", "metrics");

        assertThat(check.output().lines().filter(line -> !line.isBlank())
                .filter(line -> !MICROMETERS_OWN_NAMES.contains(line.substring(0, line.indexOf(' ')))))
                .as("what promtool check metrics says of %s", scrape).isEmpty();
    }

    @Test
    void theScrapeTokenIsAViewerTokenTheDaemonChecks() {
        assertThat(request("GET", "/actuator/prometheus", VIEWER_TOKEN, null).statusCode()).isEqualTo(200);
        assertThat(request("GET", "/actuator/prometheus", VIEWER_TOKEN + "x", null).statusCode()).isEqualTo(401);
        assertThat(request("POST", "/api/v1/services", VIEWER_TOKEN, webService()).statusCode()).isEqualTo(403);
    }

    @Test
    void theImagesHealthcheckPassesOnALiveDaemonAndFailsWhereNoneListens() throws IOException {
        Matcher healthcheck = Pattern.compile("HEALTHCHECK [^\\n]*\\\\\\n\\s*CMD (\\[.*])").matcher(
                Repo.read("Dockerfile"));
        assertThat(healthcheck.find()).as("HEALTHCHECK ... CMD [...] in the Dockerfile").isTrue();
        List<String> command = jsonArray(healthcheck.group(1));
        assertThat(run(command, port)).isZero();
        assertThat(run(command, closedPort())).isNotZero();
    }

    private Set<String> usedNames() {
        Set<String> used = new TreeSet<>(Dashboard.ofRepository().metricNames());
        for (Map<String, Object> group : Repo.<List<Map<String, Object>>>at(Repo.yaml("deploy/prometheus/rules.yml"),
                "groups")) {
            for (Map<String, Object> rule : Repo.<List<Map<String, Object>>>at(group, "rules")) {
                used.addAll(PromQl.metricNames(Repo.at(rule, "expr")));
            }
        }
        return used;
    }

    /**
     * Sample names of a scrape made as Prometheus makes it, after creating a service (journaled and programmed, so
     * per-backend series exist), a reconcile, and a health transition of a checked service (its backend is a closed
     * loopback port: the only address a test may probe from this host's namespace).
     */
    private Set<String> scrapedNames() {
        Set<String> names = new TreeSet<>();
        Matcher sample = SAMPLE_NAME.matcher(scrape());
        while (sample.find()) {
            names.add(sample.group(1));
        }
        return names;
    }

    private String scrape() {
        HttpResponse<String> created = request("POST", "/api/v1/services", adminToken(), webService());
        assertThat(created.statusCode()).as(created.body()).isIn(201, 409);
        HttpResponse<String> probed = request("POST", "/api/v1/services", adminToken(), probedService(closedPort()));
        assertThat(probed.statusCode()).as(probed.body()).isIn(201, 409);
        HttpResponse<String> reconciled = request("POST", "/api/v1/datapath/reconcile", adminToken(), null);
        assertThat(reconciled.statusCode()).as(reconciled.body()).isEqualTo(200);
        HttpResponse<String> scrape = Awaitility.await().atMost(Duration.ofSeconds(10)).until(
                () -> request("GET", "/actuator/prometheus", VIEWER_TOKEN, null),
                answer -> answer.statusCode() == 200 && answer.body().contains("cvs_health_transitions_total{"));
        return scrape.body();
    }

    private static String webService() {
        return """
                {"name":"web","vip":"192.0.2.10","port":80,"protocol":"TCP",
                 "backends":[{"address":"10.79.1.2","port":8080},{"address":"10.79.1.3","port":8080,"weight":2}]}
                """;
    }

    private static String probedService(int port) {
        return """
                {"name":"probed","vip":"192.0.2.11","port":80,"protocol":"TCP",
                 "backends":[{"address":"127.0.0.1","port":%d}],
                 "healthCheck":{"type":"TCP","intervalMs":100,"timeoutMs":100,"rise":1,"fall":1}}
                """.formatted(port);
    }

    /** A loopback port nothing listens on: bound, then closed. */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> request(String method, String path, String token, String json) {
        return DaemonClient.at("http://127.0.0.1:" + port, token).send(method, path, json);
    }

    private static String adminToken() {
        return Repo.read(ADMIN_TOKEN_FILE).strip();
    }

    private static List<String> jsonArray(String json) {
        List<String> items = new ArrayList<>();
        Matcher item = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        while (item.find()) {
            items.add(item.group(1).replace("\\\\", "\\"));
        }
        return items;
    }

    private static int run(List<String> command, int serverPort) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("SERVER_PORT", String.valueOf(serverPort));
        try {
            Process process = builder.start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
