package io.cvs.cli;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * The two mappers cvsadm uses: JSON on the wire and for {@code -o json}, YAML for files and {@code -o yaml}; and
 * the reading of the daemon's documents into their {@link Api} views.
 */
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

    /**
     * Lenient, stated here rather than left to Jackson's defaults: a member the record does not know is ignored (a
     * newer daemon may add some), and a missing number is 0 (Jackson 3 would refuse a missing primitive).
     */
    private static final ObjectReader VIEWS = JSON.reader()
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static final JsonNode EMPTY = JSON.createObjectNode();

    private Json() {
    }

    /**
     * A document of the daemon's as its {@link Api} view; no document (an empty body) reads as an empty one. A
     * document that does not fit the view is an answer the daemon should not have sent: exit 1.
     */
    static <T> T view(JsonNode document, Class<T> type) {
        try {
            return VIEWS.treeToValue(document.isMissingNode() || document.isNull() ? EMPTY : document, type);
        } catch (JacksonException e) {
            throw new CliFailure(ExitCode.UNEXPECTED, "the daemon's answer is not the " + type.getSimpleName()
                    + " cvsadm expects: " + e.getOriginalMessage());
        }
    }
}
