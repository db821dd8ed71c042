package io.cvs.fleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.testing.EtcdCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What EtcdSettings accepts, what it never shows, and the TLS client it builds. */
class EtcdSettingsTest {

    @TempDir
    Path dir;

    private static EtcdSettings settings(String prefix, String user, String password, Path ca, Path cert, Path key) {
        return new EtcdSettings(List.of("https://127.0.0.1:2379"), prefix, user, password, ca, cert, key,
                Duration.ofSeconds(2), Duration.ofSeconds(2), 128);
    }

    @Test
    void thePasswordNeverShows() {
        EtcdSettings settings = settings("/cvs/v1/", "cvs", "s3cret-etcd-password", null, null, null);
        assertThat(settings.toString()).doesNotContain("s3cret").contains("user=cvs", "(hidden)");
    }

    @Test
    void halfGivenCredentialsAndPrefixesWithoutASlashAreRefused() {
        assertThatThrownBy(() -> settings("/cvs/v1", null, null, null, null, null))
                .hasMessageContaining("end with '/'");
        assertThatThrownBy(() -> settings("/cvs/v1/", "cvs", null, null, null, null))
                .hasMessageContaining("user and password");
        assertThatThrownBy(() -> settings("/cvs/v1/", null, null, null, dir.resolve("c.pem"), null))
                .hasMessageContaining("needs its key");
        assertThatThrownBy(() -> EtcdSettings.plain(List.of(), "/cvs/v1/")).hasMessageContaining("no etcd endpoint");
    }

    @Test
    void aTlsClientIsBuiltFromPemFilesAndAPlainMemberCountsAsUnavailable() throws Exception {
        Path ca = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca.key");
        Path cert = dir.resolve("client.pem");
        Path key = dir.resolve("client.key");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=cvs-test-ca",
                "-keyout", caKey.toString(), "-out", ca.toString());
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=cvs-test-client", "-keyout", key.toString(),
                "-out", dir.resolve("client.csr").toString());
        openssl("x509", "-req", "-in", dir.resolve("client.csr").toString(), "-CA", ca.toString(), "-CAkey",
                caKey.toString(), "-CAcreateserial", "-days", "1", "-out", cert.toString());
        EtcdSettings tls = settings("/cvs/v1/", null, null, ca, cert, key);
        assertThat(EtcdClients.sslContext(tls).isClient()).isTrue();

        EtcdCluster.requireInstalled();
        try (EtcdCluster etcd = EtcdCluster.start(1, dir.resolve("etcd"))) {
            EtcdSettings toPlain = new EtcdSettings(List.of(etcd.endpoint(0).replace("http:", "https:")),
                    "/cvs/v1/", null, null, ca, cert, key, Duration.ofSeconds(1), Duration.ofSeconds(1), 128);
            try (EtcdFleetStore store = new EtcdFleetStore(toPlain)) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> store.get("a")).isInstanceOf(StoreUnavailableException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            }
        }
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("openssl ends").isTrue();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        assertThat(Files.exists(Path.of(args[args.length - 1]))).isTrue();
    }
}
