package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * An IPv6 backend's key in a path as people type it, {@code /backends/[fd00::2]:8080}, with the brackets not
 * percent-encoded (curl -g, a browser's address bar): Tomcat refuses raw brackets in a path unless told otherwise,
 * which would answer an HTML 400 that names nothing. java.net.http cannot send such a path, so this speaks HTTP
 * over a socket.
 */
class RawBracketPathTest extends ServicesOverHttp {

    @Test
    void aBackendKeyWithRawBracketsReachesTheBackend() throws IOException {
        String id = create(spec("web-v6", "2001:db8::10", 80, "TCP", "[" + backend("fd00::2", 8080) + "]"));

        String answer = rawGet(SERVICES + "/" + id + "/backends/[fd00::2]:8080");

        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(answer).contains("\"address\":\"fd00::2\"");
    }

    @Test
    void aBadKeyWithRawBracketsIsAProblemNamingTheField() throws IOException {
        String id = create(spec("web-v6", "2001:db8::10", 80, "TCP", "[" + backend("fd00::2", 8080) + "]"));

        String answer = rawGet(SERVICES + "/" + id + "/backends/[fd00::2]");

        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(answer).contains("application/problem+json").contains("backendKey");
    }

    private String rawGet(String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + adminToken()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
