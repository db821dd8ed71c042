package io.cvs.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.fleet.store.StoredService;
import io.cvs.service.ServiceConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FleetCodecTest {

    private final FleetCodec codec = new FleetCodec();

    @Test
    void committedAtIsReadFromTheTailOfWhatEncodeWrote() {
        byte[] value = codec.encode("svc-1", config(), Instant.ofEpochMilli(1_765_000_000_123L));

        assertThat(FleetCodec.trailingCommittedAt(value)).isEqualTo(1_765_000_000_123L);
        assertThat(codec.committedAt(stored(value))).isEqualTo(Instant.ofEpochMilli(1_765_000_000_123L));
        assertThat(codec.decode(stored(value)).content()).isEqualTo(config());
    }

    @Test
    void aValueLaidOutOtherwiseIsParsed() {
        byte[] reordered = ("{\"committedAt\":42,\"id\":\"svc-1\",\"name\":\"web\"}").getBytes(StandardCharsets.UTF_8);
        byte[] absent = "{\"id\":\"svc-1\",\"name\":\"web\"}".getBytes(StandardCharsets.UTF_8);
        byte[] lookalike = "{\"name\":\"x,\\\"committedAt\\\":7\",\"port\":80}".getBytes(StandardCharsets.UTF_8);

        assertThat(FleetCodec.trailingCommittedAt(reordered)).isEqualTo(-1);
        assertThat(codec.committedAt(stored(reordered))).isEqualTo(Instant.ofEpochMilli(42));
        assertThat(codec.committedAt(stored(absent))).isNull();
        assertThat(FleetCodec.trailingCommittedAt(lookalike)).isEqualTo(-1);
        assertThat(FleetCodec.trailingCommittedAt(new byte[0])).isEqualTo(-1);
    }

    private static StoredService stored(byte[] value) {
        return new StoredService("svc-1", value, 7, 7);
    }

    private static ServiceConfig config() {
        return FleetConvergenceTest.config("web", "198.51.100.10", 2);
    }
}
