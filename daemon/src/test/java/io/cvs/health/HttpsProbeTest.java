package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS checks do not verify the backend's certificate (HAProxy's check-ssl verify none). */
class HttpsProbeTest extends MonitorTestBase {

    /**
     * The JVM's first TLS handshake initialises its security providers, which took over 500 ms on a loaded CI
     * machine; these tests are about what the probe reports, not how fast, so they allow it plenty.
     */
    private static final long FIRST_HANDSHAKE_MILLIS = 5_000;

    @TempDir
    Path keys;

    @Test
    void aBackendWithASelfSignedCertificateForAnotherNamePasses() throws Exception {
        try (HttpBackend backend = HttpBackend.selfSigned(keys).status("/healthz", 200)) {
            // what the prober does not check: an ordinary client refuses this backend
            HttpsURLConnection verifying = (HttpsURLConnection) URI
                    .create("https://127.0.0.1:" + backend.port() + "/healthz").toURL().openConnection();
            assertThatThrownBy(verifying::getResponseCode).isInstanceOf(SSLHandshakeException.class);

            TargetKey key = Checks.key("web", "127.0.0.1", backend.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.https("/healthz").timeout(FIRST_HANDSHAKE_MILLIS).build(), false)));
            awaitChanges(key, 1);
            backend.status("/healthz", 500);
            awaitChanges(key, 2);

            assertThat(listener.story(key)).containsExactly("up HTTP 200", "down HTTP 500");
            assertThat(backend.lastHost()).isEqualTo("127.0.0.1:" + backend.port());
        }
    }

    @Test
    void aBackendThatAnswersWithoutTlsFails() throws Exception {
        // what an HTTP server such as nginx answers to a TLS ClientHello on its plain port
        try (AcceptingServer backend = AcceptingServer.answering("HTTP/1.1 400 Bad Request\r\n\r\n")) {
            TargetKey key = Checks.key("web", "127.0.0.1", backend.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.https("/healthz").timeout(FIRST_HANDSHAKE_MILLIS).build(), true)));

            awaitChanges(key, 1);
            assertThat(listener.of(key).get(0).up()).isFalse();
            assertThat(listener.of(key).get(0).reason()).startsWith("TLS: ");
        }
    }

    private void awaitChanges(TargetKey key, int count) {
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(15))
                .until(() -> listener.of(key).size() >= count);
    }
}
