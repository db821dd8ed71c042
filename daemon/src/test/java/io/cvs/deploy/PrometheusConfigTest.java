package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.deploy.DeployTool.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * promtool accepts deploy/prometheus/prometheus.yml and its rules, and refuses broken ones. promtool also checks
 * that the scrape's credentials file exists; in the stack it is a secret in the container, so the configuration
 * is checked as a copy whose credentials file is one of this test's (the only difference from the original).
 */
class PrometheusConfigTest {

    private static final String CONFIG = "deploy/prometheus/prometheus.yml";
    private static final String RULES = "deploy/prometheus/rules.yml";

    @TempDir
    Path scratch;

    @Test
    void promtoolAcceptsTheConfigurationAndTheRulesItLoads() throws IOException {
        Result check = promtool("check", "config", configWithTestCredentials(Repo.read(RULES)).toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: 1 rule files found");
    }

    @Test
    void promtoolAcceptsTheRules() {
        Result check = promtool("check", "rules", Repo.file(RULES).toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).containsPattern("SUCCESS: [1-9][0-9]* rules found");
    }

    @Test
    void promtoolRefusesARuleThatDoesNotParse() throws IOException {
        String rules = Repo.read(RULES);
        String broken = rules.replace("expr: cvs_map_entries / cvs_map_max_entries > 0.9",
                "expr: cvs_map_entries / / cvs_map_max_entries > 0.9");
        assertThat(broken).isNotEqualTo(rules);
        Path config = configWithTestCredentials(broken);

        Result rulesCheck = promtool("check", "rules", config.resolveSibling("rules.yml").toString());
        Result configCheck = promtool("check", "config", config.toString());

        assertThat(rulesCheck.exitCode()).isNotZero();
        assertThat(rulesCheck.output()).contains("parse error");
        assertThat(configCheck.exitCode()).isNotZero();
    }

    @Test
    void promtoolRefusesTheConfigurationWhenTheCredentialsFileIsMissing() throws IOException {
        Files.copy(Repo.file(CONFIG), scratch.resolve("prometheus.yml"));
        Files.copy(Repo.file(RULES), scratch.resolve("rules.yml"));
        String credentials = Repo.at(ComposeFileTest.scrapeConfig("cvs"), "authorization", "credentials_file");
        Path missing = Path.of(credentials);
        assertThat(missing).as("a path only the Prometheus container has").doesNotExist();

        Result check = promtool("check", "config", scratch.resolve("prometheus.yml").toString());

        assertThat(check.exitCode()).isNotZero();
        assertThat(check.output()).contains(credentials);
    }

    /** The configuration with this rules file beside it and the scrape's credentials file pointing into scratch. */
    private Path configWithTestCredentials(String rules) throws IOException {
        String config = Repo.read(CONFIG);
        String credentials = Repo.at(ComposeFileTest.scrapeConfig("cvs"), "authorization", "credentials_file");
        Path token = Files.writeString(scratch.resolve("viewer-token"), "a-viewer-token-for-promtool\n");
        String line = "credentials_file: " + credentials;
        assertThat(config).containsOnlyOnce(line);
        Files.writeString(scratch.resolve("rules.yml"), rules);
        return Files.writeString(scratch.resolve("prometheus.yml"), config.replace(line, "credentials_file: " + token));
    }

    private Result promtool(String... args) {
        return DeployTool.promtool().run(scratch, args);
    }
}
