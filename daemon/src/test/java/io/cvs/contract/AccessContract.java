package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;
import io.cvs.contract.ContractClient.Call;
import io.cvs.contract.OpenApiContract.DeclaredOperation;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 401 and 403 for every operation of openapi.yaml that declares them, taken from the document itself, so an
 * operation added there is checked here too. Run by {@link OpenApiContractTest}.
 */
abstract class AccessContract extends ContractTestBase {

    /** A request body each operation takes, so that only the token is wrong. */
    static final Map<String, String> BODIES = Map.of(
            "createService", tcp("web", "192.0.2.10"),
            "applyServices", "{\"services\":[]}",
            "importState", "{\"services\":[]}",
            "replaceService", tcp("web", "192.0.2.10"),
            "patchService", "{\"port\":81}",
            "addBackend", backend("10.0.0.1:8080"),
            "putBackend", "{\"weight\":1}",
            "resizeCapacity", "{\"maxServices\":4}");

    static Stream<DeclaredOperation> operationsDeclaring401() {
        return OpenApiContract.OPERATIONS.stream().filter(operation -> operation.declares(401));
    }

    static Stream<DeclaredOperation> adminOperations() {
        return OpenApiContract.OPERATIONS.stream().filter(operation -> "admin".equals(operation.role()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsDeclaring401")
    void withoutATokenEveryOperationIs401WithWwwAuthenticate(DeclaredOperation operation) {
        Answer answer = request(operation, createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"))).invalidOnPurpose()
                .expect(401);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unauthorized");
        assertThat(answer.header("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value)
                .startsWith("Bearer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsDeclaring401")
    void withAnUnknownTokenEveryOperationIs401(DeclaredOperation operation) {
        Answer answer = request(operation, createId(tcp("web", "192.0.2.10", "10.0.0.1:8080")))
                .token("not-a-token-of-this-daemon").expect(401);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unauthorized");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsDeclaring401")
    void withAnotherAuthorizationSchemeEveryOperationIs401(DeclaredOperation operation) {
        Answer answer = request(operation, createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"))).invalidOnPurpose()
                .header("Authorization", "Basic YWRtaW46YWRtaW4=").expect(401);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unauthorized");
        assertThat(answer.header("WWW-Authenticate")).isPresent();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adminOperations")
    void withTheViewerTokenEveryAdminOperationIs403(DeclaredOperation operation) {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = request(operation, id).token(VIEWER).expect(403);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:forbidden");
        assertThat(get(id).json().path("version").asLong()).isEqualTo(1);
    }

    private Call request(DeclaredOperation operation, String id) {
        String path = operation.pathTemplate().replace("{id}", id).replace("{backendKey}", "10.0.0.1:8080")
                + OpenApiContract.requiredQuery(operation);
        Call call = http().call(operation.method(), path);
        String body = BODIES.get(operation.operationId());
        if (body != null) {
            call.body(operation.operationId().equals("patchService") ? "application/merge-patch+json"
                    : "application/json", body);
        }
        return call;
    }
}
