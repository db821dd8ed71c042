package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Debian package's /etc/cvs/application.yaml (packaging/files/etc/cvs) lists every property of the daemon,
 * commented out with its default, so that an administrator finds them all where Debian puts configuration: each
 * cvs.* property the daemon binds (from Spring's configuration metadata, which the build generates from the
 * properties records, so a new property fails this test until the file has it) and the API's address and port.
 * What it sets is valid YAML whose keys the daemon has.
 */
class PackagedConfigTest {

    private static final String CONFFILE = "packaging/files/etc/cvs/application.yaml";

    @Test
    void everyPropertyOfTheDaemonIsListed() throws IOException {
        String conffile = Repo.read(CONFFILE);
        List<String> missing = new ArrayList<>();
        for (String property : daemonProperties()) {
            Pattern line = Pattern.compile("(?m)^#?" + Pattern.quote(property) + "(\\.[a-z-]+)?:");
            if (!line.matcher(conffile).find()) {
                missing.add(property);
            }
        }
        assertThat(missing).as("properties missing from %s (add each, commented, with its default)", CONFFILE)
                .isEmpty();
    }

    @Test
    void whatItSetsIsYamlTheDaemonReads() throws IOException {
        Map<String, Object> set = new Yaml().load(Repo.read(CONFFILE));
        assertThat(set).isNotEmpty();
        assertThat(daemonProperties()).containsAll(set.keySet());
    }

    private static List<String> daemonProperties() throws IOException {
        List<String> names = new ArrayList<>(List.of("server.address", "server.port"));
        try (InputStream metadata = PackagedConfigTest.class
                .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(metadata).as("the daemon's configuration metadata").isNotNull();
            JsonNode root = JsonMapper.builder().build().readTree(metadata);
            for (JsonNode property : root.get("properties")) {
                String name = property.get("name").asString();
                if (name.startsWith("cvs.")) {
                    names.add(name);
                }
            }
        }
        assertThat(names).contains("cvs.bpf.pin-dir", "cvs.journal.dir");
        return names;
    }
}
