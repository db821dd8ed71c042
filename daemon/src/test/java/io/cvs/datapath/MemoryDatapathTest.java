package io.cvs.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class MemoryDatapathTest extends DatapathContract {

    @Override
    protected Datapath open() {
        return new MemoryDatapath(SMALL, null);
    }

    @Test
    void itIsTheMemoryModeWithNothingAttached() {
        DatapathStatus status = datapath.status();

        assertThat(status.mode()).isEqualTo(DatapathMode.MEMORY);
        assertThat(status.fallbackReason()).isEmpty();
        assertThat(status.socketLb()).isEqualTo(new SocketLbStatus(0, List.of()));
        assertThat(status.socketLbAttached()).isFalse();
    }

    @Test
    void aFallbackSaysWhy() {
        Datapath fallback = new MemoryDatapath(SMALL, "not root (effective uid 1000)");

        assertThat(fallback.status().fallbackReason()).isEqualTo(Optional.of("not root (effective uid 1000)"));
    }
}
