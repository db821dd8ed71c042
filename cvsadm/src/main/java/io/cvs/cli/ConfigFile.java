package io.cvs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;

/**
 * {@code ~/.config/cvs/cvsadm.yaml} (or {@code $CVS_CONFIG}): connection settings an operator does not want to
 * type each time. Every key is optional:
 *
 * <pre>
 * url: http://127.0.0.1:8080
 * tokenFile: /home/me/.config/cvs/token     # or token: ..., not both
 * </pre>
 */
record ConfigFile(String url, String token, String tokenFile) {

    static final ConfigFile NONE = new ConfigFile(null, null, null);

    /** The file's settings; none if it does not exist; a usage error naming the file if it cannot be used. */
    static ConfigFile read(Path file) {
        if (!Files.exists(file)) {
            return NONE;
        }
        try {
            ConfigFile config = Json.YAML.readerFor(ConfigFile.class)
                    .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(Files.readString(file));
            return config == null ? NONE : config;
        } catch (JacksonException e) {
            throw invalid(file, e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid(file, "cannot read it (" + e.getMessage() + ")");
        }
    }

    private static CliFailure invalid(Path file, String why) {
        return new CliFailure(ExitCode.USAGE, "config file " + file + ": " + why,
                List.of("it may set url, token and tokenFile, e.g. 'url: http://127.0.0.1:8080'"));
    }
}
