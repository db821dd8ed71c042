package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Answers about one backend carry no {@code Content-Disposition} (Spring's reflected-file-download guard took the
 * port in {@code 10.0.0.1:8080} for a file extension, and every backend was saved as {@code f.txt}), and keep what
 * makes them safe: a JSON media type and {@code nosniff}. A path with a real extension after the key keeps the
 * guard. Over real HTTP, since the guard is Spring MVC's and the header the servlet response's.
 */
class BackendDownloadNameTest extends ServicesOverHttp {

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1:8080", "%5Bfd00::1%5D:8080", "10.0.0.1%3A8080"})
    void getPutAndDeleteOfOneBackendAreNoDownloads(String key) {
        boolean v6 = key.contains("fd00");
        String id = create(spec("web", v6 ? "2001:db8::10" : "192.0.2.10", 80, "TCP",
                "[" + backend(v6 ? "fd00::1" : "10.0.0.1", 8080) + "]"));
        String path = SERVICES + "/" + id + "/backends/" + key;

        assertJsonWithoutDownloadName(admin("GET", path), 200);
        assertJsonWithoutDownloadName(admin("PUT", path, "{\"weight\":3}"), 200);
        assertJsonWithoutDownloadName(admin("GET", SERVICES + "/" + id + "/backends/" + key.replace("8080", "8081")),
                404);
        HttpResponse<String> deleted = admin("DELETE", path);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.headers().firstValue("Content-Disposition")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {";x.bat", "%3Bx.bat"})
    void aKeyFollowedByAnExtensionKeepsTheGuard(String tail) {
        String id = create(spec("web", "192.0.2.10", 80, "TCP", "[" + backend("10.0.0.1", 8080) + "]"));

        HttpResponse<String> answer = admin("GET", SERVICES + "/" + id + "/backends/10.0.0.1:8080" + tail);

        assertThat(answer.headers().firstValue("Content-Disposition"))
                .hasValue(BackendKeyDownloadNameFilter.GUARD);
    }

    private static void assertJsonWithoutDownloadName(HttpResponse<String> answer, int status) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Disposition")).isEmpty();
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .matches("application/(problem\\+)?json.*"));
        assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }
}
