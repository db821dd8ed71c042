package io.cvs.cli;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/** The two mappers cvsadm uses: JSON on the wire and for {@code -o json}, YAML for files and {@code -o yaml}. */
final class Json {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Plain YAML a person edits: no {@code ---}, quotes only where needed, but always around strings that look like
     * numbers, so that a label "1.0" reads back as a string.
     */
    static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .enable(YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    private Json() {
    }
}
