package io.cvs.system;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * The last word on errors that Tomcat answers itself, before or without any servlet (a header too large, too many
 * headers, {@code %2f} or {@code %00} in the path, a bad request line or HTTP version): an RFC 9457 problem with
 * {@code type}, {@code title}, {@code status} and {@code detail}, instead of Tomcat's HTML page. Nothing of the
 * request or of the failure goes into it: no message, no stack trace, no server version.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ProblemErrorReportValve() {
        setShowReport(false);
        setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        // As Tomcat's own valve: only errors, only when nothing was written, only once, only while I/O is possible
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        byte[] body = JSON.writeValueAsBytes(members(ProblemType.ofStatus(status)));
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setContentLength(body.length);
            write(response, body);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response was taken over: there is no one left to tell
        }
    }

    /**
     * As bytes, so that no charset parameter is added (JSON is UTF-8, and application/problem+json has none); through
     * Tomcat's reporter when a servlet already took the response's writer.
     */
    private static void write(Response response, byte[] body) throws IOException {
        try {
            response.getOutputStream().write(body);
        } catch (IllegalStateException writerTaken) {
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(new String(body, StandardCharsets.UTF_8));
            }
        }
    }

    /** Without Spring's Jackson set-up, which this valve runs outside of: the members RFC 9457 names. */
    private static Map<String, Object> members(ProblemDetail problem) {
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("type", problem.getType().toString());
        members.put("title", problem.getTitle());
        members.put("status", problem.getStatus());
        members.put("detail", problem.getDetail());
        return members;
    }
}
