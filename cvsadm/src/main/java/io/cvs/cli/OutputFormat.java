package io.cvs.cli;

import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;

/**
 * {@code -o table|json|yaml}. The machine formats print the API's own documents (openapi.yaml names their fields),
 * numbers as plain numbers.
 */
enum OutputFormat {
    table, json, yaml;

    /** Prints a document in this machine format; callers handle {@link #table} themselves. */
    void print(PrintWriter out, JsonNode document) {
        switch (this) {
            case json -> out.println(Json.JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(document));
            case yaml -> out.print(Json.YAML.writeValueAsString(document));
            case table -> throw new IllegalStateException("a table is drawn by its command");
        }
        out.flush();
    }
}
