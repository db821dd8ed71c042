package io.cvs.contract;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.Response;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.parser.OpenAPIV3Parser;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * openapi.yaml at the repository root, as the contract tests hold the daemon to it: a validator (Atlassian's
 * swagger-request-validator) for every request and response, the operations the document declares, and which of
 * them the tests saw served, that is answered with a 2xx or 304 that validated.
 */
final class OpenApiContract {

    /** One operation of the document: {@code GET /api/v1/services/{id}}. */
    record DeclaredOperation(String method, String pathTemplate, String operationId, Operation operation) {

        @Override
        public String toString() {
            return method + " " + pathTemplate + " (" + operationId + ")";
        }

        String role() {
            Map<String, Object> extensions = operation.getExtensions();
            return extensions == null ? null : (String) extensions.get("x-cvs-role");
        }

        boolean declares(int status) {
            return operation.getResponses().containsKey(Integer.toString(status));
        }
    }

    static final Path DOCUMENT = findDocument();
    static final OpenAPI API = new OpenAPIV3Parser().read(DOCUMENT.toString());
    static final List<DeclaredOperation> OPERATIONS = declaredOperations();

    private static final OpenApiInteractionValidator VALIDATOR = OpenApiInteractionValidator
            .createForSpecificationUrl(DOCUMENT.toUri().toString()).build();
    private static final Set<String> SERVED = ConcurrentHashMap.newKeySet();
    /** Exchanges validated so far: what a Prism proxy session would count (each one that broke the document failed). */
    private static final AtomicInteger EXCHANGES = new AtomicInteger();

    private OpenApiContract() {
    }

    /** Validation messages of a request and its response; empty when both validate. */
    static List<String> validate(Request request, Response response) {
        EXCHANGES.incrementAndGet();
        return messages(VALIDATOR.validate(request, response));
    }

    /** Validation messages of a response alone, for requests the test makes invalid on purpose. */
    static List<String> validateResponse(Request request, Response response) {
        EXCHANGES.incrementAndGet();
        return messages(VALIDATOR.validateResponse(request.getPath(), request.getMethod(), response));
    }

    /** Validation messages of a request alone. */
    static List<String> validateRequestOnly(Request request) {
        return messages(VALIDATOR.validateRequest(request));
    }

    /**
     * Members of a problem that the document does not declare. The validator cannot see them (the Problem schema
     * leaves additional properties open for later versions), but the document promises that this server sends
     * none, in the problem and in each of its {@code errors}.
     */
    static List<String> undeclaredProblemMembers(JsonNode problem) {
        List<String> undeclared = new ArrayList<>();
        Set<String> declared = API.getComponents().getSchemas().get("Problem").getProperties().keySet();
        Set<String> fieldError = API.getComponents().getSchemas().get("FieldError").getProperties().keySet();
        problem.propertyNames().forEach(name -> {
            if (!declared.contains(name)) {
                undeclared.add(name);
            }
        });
        problem.path("errors").forEach(error -> error.propertyNames().forEach(name -> {
            if (!fieldError.contains(name)) {
                undeclared.add("errors[]." + name);
            }
        }));
        return undeclared;
    }

    /** The declared operation a concrete request path and method falls on, or null. */
    /**
     * The query of the operation's required query parameters, each with its schema's example ("" when it has none),
     * so that a generated request is valid but for what its test changes on purpose.
     */
    static String requiredQuery(DeclaredOperation operation) {
        List<String> pairs = new ArrayList<>();
        if (operation.operation().getParameters() != null) {
            operation.operation().getParameters().stream()
                    .filter(p -> "query".equals(p.getIn()) && Boolean.TRUE.equals(p.getRequired()))
                    .forEach(p -> pairs.add(p.getName() + "=" + URLEncoder.encode(String.valueOf(
                            p.getSchema().getExample()), StandardCharsets.UTF_8)));
        }
        return pairs.isEmpty() ? "" : "?" + String.join("&", pairs);
    }

    static DeclaredOperation operationOf(String method, String path) {
        DeclaredOperation best = null;
        int bestVariables = Integer.MAX_VALUE;
        for (DeclaredOperation operation : OPERATIONS) {
            if (!operation.method().equals(method) || !matches(operation.pathTemplate(), path)) {
                continue;
            }
            int variables = operation.pathTemplate().split("\\{", -1).length - 1;
            if (variables < bestVariables) {
                best = operation;
                bestVariables = variables;
            }
        }
        return best;
    }

    static void served(DeclaredOperation operation) {
        SERVED.add(operation.toString());
    }

    static int exchangesValidated() {
        return EXCHANGES.get();
    }

    /** Declared operations that no test saw answered with a success that validated. */
    static Set<String> notServed() {
        Set<String> missing = new TreeSet<>();
        OPERATIONS.forEach(operation -> missing.add(operation.toString()));
        missing.removeAll(SERVED);
        return missing;
    }

    private static boolean matches(String template, String path) {
        String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
        return path.matches(regex);
    }

    private static List<String> messages(ValidationReport report) {
        if (!report.hasErrors()) {
            return List.of();
        }
        return List.of(SimpleValidationReportFormat.getInstance().apply(report));
    }

    private static List<DeclaredOperation> declaredOperations() {
        List<DeclaredOperation> operations = new ArrayList<>();
        API.getPaths().forEach((template, item) -> item.readOperationsMap().forEach((method, operation) ->
                operations.add(new DeclaredOperation(method.name(), template, operation.getOperationId(),
                        operation))));
        return Collections.unmodifiableList(operations);
    }

    /** The repository root's openapi.yaml, whether Maven runs from the root or from daemon/. */
    private static Path findDocument() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("openapi.yaml");
            if (Files.isRegularFile(candidate) && Files.isDirectory(dir.resolve("daemon"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no openapi.yaml beside a daemon/ directory above " + Path.of("")
                .toAbsolutePath());
    }
}
