package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** The repository these tests check, from the daemon module (Maven's working directory), and its YAML files. */
final class Repo {

    static final Path TOP = Path.of("..").toAbsolutePath().normalize();

    private Repo() {
    }

    static Path file(String relative) {
        Path file = TOP.resolve(relative);
        assertThat(file).as("%s in the repository", relative).isRegularFile();
        return file;
    }

    static String read(String relative) {
        return read(file(relative));
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> yaml(String relative) {
        return new Yaml().load(read(relative));
    }

    /** The map or list at a path of keys, failing with that path when it is not there. */
    @SuppressWarnings("unchecked")
    static <T> T at(Object root, String... keys) {
        Object node = root;
        for (String key : keys) {
            assertThat(node).as("YAML at %s", String.join(".", keys)).isInstanceOf(Map.class);
            node = ((Map<String, Object>) node).get(key);
        }
        assertThat(node).as("YAML at %s", String.join(".", keys)).isNotNull();
        return (T) node;
    }
}
