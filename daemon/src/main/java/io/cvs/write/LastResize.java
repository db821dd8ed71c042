package io.cvs.write;

import io.cvs.datapath.Capacity;
import java.time.Duration;
import java.time.Instant;

/**
 * A resize of the maps: why ({@code automatic}, {@code requested} or {@code configured}), from and to which
 * capacity, when it finished and how long it took (build, fill and switch).
 */
public record LastResize(String trigger, Capacity from, Capacity to, Instant at, Duration took) {
}
