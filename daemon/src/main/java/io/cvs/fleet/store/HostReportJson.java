package io.cvs.fleet.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * A host report's value under {@code hosts/<host-id>}: a JSON object with hostId, appliedRevision, reportedAt
 * (RFC 3339), ready, datapath, labels, lastError (null when none) and ttlSeconds. Unknown fields are ignored, so a
 * newer daemon may add some.
 */
final class HostReportJson {

    private static final JsonMapper JSON = JsonMapper.shared();

    private HostReportJson() {
    }

    static byte[] encode(HostReport report) {
        return JSON.writeValueAsBytes(new Value(report.hostId(), report.appliedRevision(),
                report.reportedAt().toString(), report.ready(), report.datapath(), report.labels(),
                report.lastError(), report.ttl().toSeconds()));
    }

    static HostReport decode(byte[] json) {
        Value value = JSON.readerFor(Value.class)
                .without(tools.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json);
        return new HostReport(value.hostId, value.appliedRevision, Instant.parse(value.reportedAt), value.ready,
                value.datapath, value.labels == null ? Map.of() : value.labels, value.lastError,
                Duration.ofSeconds(value.ttlSeconds));
    }

    record Value(String hostId, long appliedRevision, String reportedAt, boolean ready, String datapath,
            Map<String, String> labels, String lastError, long ttlSeconds) {
    }
}
