package io.cvs.apidoc;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code openapi.yaml} (the build puts it on the class path beside this class) at {@code /openapi.yaml} as written,
 * and at {@code /v3/api-docs} converted to JSON, so that every tool, whichever URL it tries, reads the same
 * contract. Both are read once: the document is part of the build.
 */
@RestController
class ApiDocumentController {

    /** RFC 9512's media type for YAML; OpenAPI documents have no registered type of their own. */
    static final MediaType APPLICATION_YAML = MediaType.parseMediaType("application/yaml");

    private final byte[] yaml;
    private final byte[] json;

    ApiDocumentController() {
        try {
            yaml = new ClassPathResource("openapi.yaml", ApiDocumentController.class).getContentAsByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("openapi.yaml is missing from the class path: a broken build", e);
        }
        json = JsonMapper.shared().writeValueAsBytes(YAMLMapper.shared().readTree(yaml));
    }

    /** No {@code produces}: a client accepting only JSON still gets the document it asked for by name. */
    @GetMapping("/openapi.yaml")
    ResponseEntity<byte[]> yaml() {
        return ResponseEntity.ok().contentType(APPLICATION_YAML).body(yaml);
    }

    @GetMapping("/v3/api-docs")
    ResponseEntity<byte[]> json() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(json);
    }
}
