package io.cvs.api;

import io.cvs.system.ProblemType;
import io.cvs.system.Violations;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a JSON {@code null} anywhere in a service, backend or desired-state body, naming each (400): the schemas
 * allow none, and bound to a record a null would pass for an omitted field. Merge patches, where null means
 * "remove", are bound to a tree and not looked at. A body that is not JSON is left to the converter to refuse.
 */
@ControllerAdvice(assignableTypes = {ServiceCollectionController.class, ServiceController.class, BackendController.class})
class ExplicitNulls extends RequestBodyAdviceAdapter {

    /** The detail of a body that is the literal {@code null}: there is no field to name. */
    static final String NOT_AN_OBJECT = "The body must be a JSON object, not null.";

    private static final Set<Type> BODIES = Set.of(ServiceRequest.class, BackendSpec.class, BackendPut.class,
            DesiredState.class);

    private final JsonMapper json;

    ExplicitNulls(JsonMapper json) {
        this.json = json;
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) {
        return BODIES.contains(targetType);
    }

    @Override
    public HttpInputMessage beforeBodyRead(HttpInputMessage input, MethodParameter parameter, Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType) throws IOException {
        byte[] body = input.getBody().readAllBytes();
        JsonNode tree;
        try {
            tree = json.readTree(body);
        } catch (JacksonException e) {
            tree = null;
        }
        if (tree != null && tree.isNull()) {
            throw ProblemType.MALFORMED_BODY.exception(NOT_AN_OBJECT);
        }
        if (tree != null) {
            Violations violations = new Violations();
            find(tree, "", false, violations);
            violations.throwIfAny();
        }
        return new HttpInputMessage() {
            @Override
            public InputStream getBody() {
                return new ByteArrayInputStream(body);
            }

            @Override
            public HttpHeaders getHeaders() {
                return input.getHeaders();
            }
        };
    }

    /** Labels name their keys as {@code labels[key]}, everything else by dotted path and index. */
    private static void find(JsonNode node, String path, boolean labels, Violations violations) {
        if (node.isNull()) {
            violations.add(path, "must not be null", null);
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                find(node.get(i), path + "[" + i + "]", false, violations);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                String name = member.getKey();
                String child = labels ? path + "[" + name + "]" : path.isEmpty() ? name : path + "." + name;
                find(member.getValue(), child, !labels && name.equals("labels"), violations);
            }
        }
    }
}
