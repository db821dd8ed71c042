package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Health checks in service bodies and getServiceHealth; run by {@link OpenApiContractTest}. Checked backends are on
 * 127.0.0.1 only: the daemon really probes them.
 */
abstract class HealthContract extends ContractTestBase {

    private static final String FAST_TCP = "{\"type\":\"TCP\",\"intervalMs\":100,\"timeoutMs\":100,\"rise\":1,"
            + "\"fall\":1}";

    private static String checked(String name, String check, String... backends) {
        String spec = tcp(name, "192.0.2.20", backends);
        return spec.substring(0, spec.length() - 1) + ",\"healthCheck\":" + check + "}";
    }

    @Test
    void aCheckIsReturnedWithEveryDefaultFilledIn() {
        JsonNode service = create(checked("web", "{\"type\":\"HTTP\",\"path\":\"/healthz\"}", "127.0.0.1:9"))
                .json();

        JsonNode check = service.path("healthCheck");
        assertThat(check.path("type").asString()).isEqualTo("HTTP");
        assertThat(check.path("path").asString()).isEqualTo("/healthz");
        assertThat(check.path("expectedStatus").asString()).isEqualTo("200-399");
        assertThat(check.path("intervalMs").asInt()).isEqualTo(2000);
        assertThat(check.path("timeoutMs").asInt()).isEqualTo(1000);
        assertThat(check.path("rise").asInt()).isEqualTo(2);
        assertThat(check.path("fall").asInt()).isEqualTo(3);
        assertThat(check.path("initialState").asString()).isEqualTo("UP");
        assertThat(check.path("whenAllDown").asString()).isEqualTo("FAIL_OPEN");
        assertThat(check.has("send")).isFalse();
    }

    @Test
    void aBadCheckIs400NamingEachFieldAndCreatesNothing() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .json(checked("web", "{\"type\":\"TCP\",\"rise\":0,\"path\":\"/\"}", "127.0.0.1:9")).expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactlyInAnyOrder("healthCheck.rise", "healthCheck.path");
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").isEmpty()).isTrue();
    }

    @Test
    void aMergePatchWithNullRemovesTheCheck() {
        String id = createId(checked("web", FAST_TCP, "127.0.0.1:9"));

        JsonNode patched = admin("PATCH", SERVICES + "/" + id).body("application/merge-patch+json",
                "{\"healthCheck\":null}").expect(200).json();

        assertThat(patched.has("healthCheck")).isFalse();
        assertThat(viewer("GET", SERVICES + "/" + id + "/health").expect(200).json().path("backends").get(0)
                .path("state").asString()).isEqualTo("UNCHECKED");
    }

    @Test
    void getServiceHealthShowsWhatTheProbesFound() throws IOException {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int closedPort = closedPort();
            String id = createId(checked("web", FAST_TCP, "127.0.0.1:" + listening.getLocalPort(),
                    "127.0.0.1:" + closedPort));

            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode health = viewer("GET", SERVICES + "/" + id + "/health").expect(200).json();
                JsonNode up = health.path("backends").get(0);
                JsonNode down = health.path("backends").get(1);
                assertThat(up.path("state").asString()).isEqualTo("UP");
                assertThat(up.path("inRotation").asBoolean()).isTrue();
                assertThat(up.path("lastResult").asString()).isEqualTo("ok");
                assertThat(down.path("state").asString()).isEqualTo("DOWN");
                assertThat(down.path("inRotation").asBoolean()).isFalse();
                assertThat(down.path("lastResult").asString()).isEqualTo("connection refused");
                assertThat(health.path("allDown").asBoolean()).isFalse();
            });
        }
    }

    @Test
    void getServiceHealthOfAServiceWithoutACheckSaysUnchecked() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        JsonNode health = viewer("GET", SERVICES + "/" + id + "/health").expect(200).json();

        assertThat(health.has("healthCheck")).isFalse();
        assertThat(health.path("backends").get(0).path("state").asString()).isEqualTo("UNCHECKED");
        assertThat(health.path("backends").get(0).path("inRotation").asBoolean()).isTrue();
    }

    @Test
    void getServiceHealthOfAnUnknownServiceIs404() {
        assertThat(viewer("GET", SERVICES + "/" + UNKNOWN_ID + "/health").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    /** A loopback port nothing listens on: bound, then closed. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
