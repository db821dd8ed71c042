package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The document itself, as outside tools meet it: one contract, served as YAML at {@code /openapi.yaml} and as the
 * same document in JSON at {@code /v3/api-docs}; a relative server, so Swagger UI's "Try it out" goes to the
 * daemon that served it; and no example that Swagger UI would fill into a form for a request that then fails.
 * Run by {@link OpenApiContractTest}.
 */
abstract class DocumentContract extends ContractTestBase {

    /** Parameters whose example is a value of some other daemon's state: sent as it is, the request fails. */
    private static final List<String> STATEFUL_PARAMETERS = List.of("cursor", "If-Match", "If-None-Match");

    @Test
    void openapiYamlIsServedAsItIsWrittenAsYaml() throws IOException {
        Answer answer = open("/openapi.yaml");

        assertThat(answer.header("Content-Type")).hasValue("application/yaml");
        assertThat(answer.body()).isEqualTo(Files.readString(OpenApiContract.DOCUMENT));
    }

    @Test
    void v3ApiDocsIsTheSameDocumentInJson() {
        Answer answer = open("/v3/api-docs");

        assertThat(answer.header("Content-Type")).hasValue("application/json");
        assertThat(answer.json()).isEqualTo(yaml());
        assertThat(answer.json().path("openapi").asString()).isEqualTo("3.0.3");
    }

    @Test
    void theServerIsTheOriginThatServedTheDocument() {
        assertThat(OpenApiContract.API.getServers()).singleElement()
                .satisfies(server -> assertThat(server.getUrl()).isEqualTo("/"));
    }

    @Test
    void noParameterCarriesAnExampleOfAnotherDaemonsState() {
        Stream<Parameter> inOperations = OpenApiContract.OPERATIONS.stream()
                .map(operation -> operation.operation().getParameters()).filter(Objects::nonNull)
                .flatMap(List::stream);
        Stream<Parameter> onPaths = OpenApiContract.API.getPaths().values().stream()
                .map(path -> path.getParameters()).filter(Objects::nonNull).flatMap(List::stream);

        assertThat(Stream.concat(inOperations, onPaths).distinct()
                .filter(parameter -> STATEFUL_PARAMETERS.contains(parameter.getName()))
                .filter(parameter -> parameter.getExample() != null || parameter.getExamples() != null
                        || parameter.getSchema() != null && parameter.getSchema().getExample() != null)
                .map(parameter -> parameter.getName() + " in " + parameter.getIn()))
                .as("parameters Swagger UI would fill with a value this daemon refuses").isEmpty();
    }

    /** Open to clients on this host: fetched without a token, as Swagger UI and tools fetch it. */
    private Answer open(String path) {
        Answer answer = http().raw("GET", path);
        assertThat(answer.status()).as("GET %s", path).isEqualTo(200);
        return answer;
    }

    private static JsonNode yaml() {
        try {
            return YAMLMapper.shared().readTree(Files.readString(OpenApiContract.DOCUMENT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
