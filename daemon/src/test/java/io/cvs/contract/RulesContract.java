package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;
import io.cvs.contract.ContractClient.Call;
import io.cvs.contract.OpenApiContract.DeclaredOperation;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rules the document states for every operation (body limit, media type, the order of checks) and the field
 * names its 400s promise. Run by {@link OpenApiContractTest}.
 */
abstract class RulesContract extends ContractTestBase {

    static Stream<DeclaredOperation> operations() {
        return OpenApiContract.OPERATIONS.stream();
    }

    static Stream<DeclaredOperation> operationsDeclaring413() {
        return OpenApiContract.OPERATIONS.stream().filter(operation -> operation.declares(413));
    }

    static Stream<DeclaredOperation> operationsDeclaring415() {
        return OpenApiContract.OPERATIONS.stream().filter(operation -> operation.declares(415));
    }

    static Stream<DeclaredOperation> operationsOnOneService() {
        return OpenApiContract.OPERATIONS.stream()
                .filter(operation -> operation.pathTemplate().contains("{id}") && operation.declares(400));
    }

    static Stream<DeclaredOperation> operationsOnOneBackend() {
        return OpenApiContract.OPERATIONS.stream()
                .filter(operation -> operation.pathTemplate().contains("{backendKey}") && operation.declares(400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsOnOneService")
    void aServiceIdThatBreaksItsPatternIs400NamingId(DeclaredOperation operation) {
        Call call = admin(operation.method(), operation.pathTemplate().replace("{id}", "not.an.id")
                .replace("{backendKey}", "10.0.0.1:8080")).invalidOnPurpose();
        withValidBody(call, operation);

        Answer answer = call.expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("id");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsOnOneBackend")
    void aBackendKeyThatDoesNotParseIs400NamingBackendKey(DeclaredOperation operation) {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));
        Call call = admin(operation.method(), operation.pathTemplate().replace("{id}", id)
                .replace("{backendKey}", "10.0.0.1:080")).invalidOnPurpose();
        withValidBody(call, operation);

        Answer answer = call.expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("backendKey");
        assertThat(get(id).json().path("version").asLong()).isEqualTo(1);
    }

    /** Every operation answers JSON whatever it is asked for, and may fail: both are the contract's to say. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void everyOperationDeclares406And500(DeclaredOperation operation) {
        assertThat(operation.declares(406)).as("%s declares 406", operation).isTrue();
        assertThat(operation.declares(500)).as("%s declares 500", operation).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void anAcceptOfNothingTheOperationProducesIs406SayingWhatItProduces(DeclaredOperation operation) {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));
        Call call = admin(operation.method(), operation.pathTemplate().replace("{id}", id)
                .replace("{backendKey}", "10.0.0.1:8080") + OpenApiContract.requiredQuery(operation))
                .header("Accept", "text/html").invalidOnPurpose(); // the validator refuses such an Accept too
        withValidBody(call, operation);

        Answer answer = call.expect(406);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:not-acceptable");
        assertThat(answer.json().path("detail").asString())
                .isEqualTo("This operation produces application/json; the request accepts only text/html.");
        assertThat(get(id).json().path("version").asLong()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsDeclaring413")
    void aBodyOverTheLimitIs413BeforeTheBodyIsParsed(DeclaredOperation operation) {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = call(operation, id).invalidOnPurpose().body(contentType(operation), tooLarge()).expect(413);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:payload-too-large");
        assertThat(answer.json().path("maxBytes").asLong()).isEqualTo(MAX_BODY);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsDeclaring415")
    void aBodyOfAnotherMediaTypeIs415(DeclaredOperation operation) {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = call(operation, id).invalidOnPurpose().body("text/plain", "{}").expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    /** "A wrong type" is a 400 (BadRequest): no coercion of strings, fractions or nulls the schema does not allow. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":\"80\",\"protocol\":\"TCP\"}|port",
        "{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80.5,\"protocol\":\"TCP\"}|port",
        "{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\",\"backends\":null}|backends",
        "{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\",\"labels\":null}|labels",
        "{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\","
                + "\"backends\":[{\"address\":\"10.0.0.1\",\"port\":80,\"weight\":\"2\"}]}|backends[0].weight"})
    void aValueOfAWrongTypeIs400NamingIt(String body, String field) {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().json(body).expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly(field);
    }

    @Test
    void everyMissingRequiredFieldIsNamed() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().json("{\"name\":\"web\"}").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactlyInAnyOrder("vip", "port", "protocol");
    }

    @Test
    void authenticationIsCheckedBeforeTheBodyLimit() {
        http().call("POST", SERVICES).invalidOnPurpose().json(tooLarge()).expect(401);
        viewer("POST", SERVICES).json(tooLarge()).expect(403);
    }

    @Test
    void anInvalidBodyIs400BeforeAnUnknownServiceIs404() {
        Answer answer = admin("PUT", SERVICES + "/" + UNKNOWN_ID).invalidOnPurpose()
                .json(spec("web", "192.0.2.10", 0, "TCP")).expect(400);

        assertThat(answer.errorFields()).containsExactly("port");
    }

    @Test
    void anUnknownServiceIs404BeforeAStaleIfMatchIs412() {
        admin("DELETE", SERVICES + "/" + UNKNOWN_ID).header("If-Match", "\"1\"").expect(404);
    }

    @Test
    void aStaleIfMatchIs412BeforeAConflictIs409() {
        createId(tcp("web", "192.0.2.10"));
        String api = createId(tcp("api", "192.0.2.20"));

        admin("PUT", SERVICES + "/" + api).header("If-Match", "\"9\"").json(tcp("web", "192.0.2.20")).expect(412);
    }

    @Test
    void aLabelKeyThatBreaksTheRulesIs400NamingIt() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().json("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,"
                + "\"protocol\":\"TCP\",\"labels\":{\"-bad\":\"x\"}}").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("labels[-bad]");
    }

    @Test
    void aWeightOutOfRangeIs400NamingIt() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .json(tcp("web", "192.0.2.10", "10.0.0.1:80/70000")).expect(400);

        assertThat(answer.errorFields()).containsExactly("backends[0].weight");
    }

    @Test
    void aBackendAddressInAForbiddenRangeIs400NamingIt() {
        Answer answer = admin("POST", SERVICES).json(tcp("web", "192.0.2.10", "10.0.0.1:80", "224.0.0.1:80"))
                .expect(400);

        assertThat(answer.errorFields()).containsExactly("backends[1].address");
    }

    /** Issue 21: the metadata address, a loop to the own VIP, and a backend on another service's VIP. */
    @Test
    void backendsThatCanOnlyHurtAre400NamingThem() {
        assertThat(admin("POST", SERVICES).json(tcp("web", "192.0.2.10", "169.254.169.254:80", "192.0.2.10:80"))
                .expect(400).errorFields()).containsExactly("backends[0].address", "backends[1].address");
        createId(tcp("web", "192.0.2.10", "10.0.0.1:80"));
        assertThat(admin("POST", SERVICES).json(tcp("front", "192.0.2.11", "192.0.2.10:80")).expect(400)
                .errorFields()).containsExactly("backends[0].address");
    }

    @Test
    void aKeyTwiceIs400NamingIt() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .json("{\"name\":\"web\",\"name\":\"api\",\"vip\":\"192.0.2.10\",\"port\":80,"
                        + "\"protocol\":\"TCP\"}")
                .expect(400);

        assertThat(answer.errorFields()).containsExactly("name");
        assertThat(answer.json().path("errorCount").asInt()).isEqualTo(1);
    }

    @Test
    void aCharsetOtherThanUtf8Is415() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .body("application/json; charset=UTF-16", tcp("web", "192.0.2.10", "10.0.0.1:80")).expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    /** The cap of the error list, within the 2 KB body limit: 101 fields wrong, 100 listed. */
    @Test
    void aHundredAndOneErrorsListAHundredAndCountThemAll() {
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < 101; i++) {
            labels.append(i == 0 ? "" : ",").append("\"-").append(i).append("\":\"x\"");
        }
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().json("{\"name\":\"web\",\"vip\":\"192.0.2.10\","
                + "\"port\":80,\"protocol\":\"TCP\",\"labels\":{" + labels + "}}").expect(400);

        assertThat(answer.errorFields()).hasSize(100);
        assertThat(answer.json().path("errorCount").asInt()).isEqualTo(102); // and "at most 32 labels"
    }

    @Test
    void aCursorIssuedForOtherFiltersIs400NamingCursor() {
        createId(tcp("a", "192.0.2.1"));
        createId(tcp("b", "192.0.2.2"));
        String cursor = admin("GET", SERVICES + "?limit=1").expect(200).json().path("nextCursor").asString();

        Answer answer = admin("GET", SERVICES + "?limit=1&protocol=UDP&cursor=" + cursor).expect(400);

        assertThat(answer.errorFields()).containsExactly("cursor");
    }

    @Test
    void aLabelSelectorThatDoesNotParseIs400NamingLabel() {
        Answer answer = admin("GET", SERVICES + "?label=-bad").invalidOnPurpose().expect(400);

        assertThat(answer.errorFields()).containsExactly("label");
    }

    @Test
    void twoEntriesOnOneAddressInTheDesiredStateAre400NamingTheSecondsVip() {
        Answer answer = admin("PUT", SERVICES).json("{\"services\":[" + tcp("web", "192.0.2.1") + ","
                + tcp("api", "192.0.2.1") + "]}").expect(400);

        assertThat(answer.errorFields()).containsExactly("services[1].vip");
    }

    @Test
    void aProblemNamesTheRequestPathAsInstance() {
        Answer answer = admin("GET", SERVICES + "/" + UNKNOWN_ID).expect(404);

        assertThat(answer.json().path("instance").asString()).isEqualTo(SERVICES + "/" + UNKNOWN_ID);
        assertThat(answer.header("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith("application/problem+json"));
    }

    private Call call(DeclaredOperation operation, String id) {
        return admin(operation.method(), operation.pathTemplate().replace("{id}", id)
                .replace("{backendKey}", "10.0.0.1:8080"));
    }

    private static void withValidBody(Call call, DeclaredOperation operation) {
        String body = AccessContract.BODIES.get(operation.operationId());
        if (body != null) {
            call.body(contentType(operation), body);
        }
    }

    private static String contentType(DeclaredOperation operation) {
        return operation.operationId().equals("patchService") ? "application/merge-patch+json" : "application/json";
    }
}
