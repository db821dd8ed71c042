package io.cvs.flows;

import io.cvs.service.Service;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sweep is asked for: when the oldest event it covers happened (a write's commit or a health verdict, as
 * {@link System#nanoTime()}), and the services those events deleted. The deleted ones are no longer in the desired
 * state when the sweep runs, yet their names label what is ended and a RESET policy of theirs still resets their
 * TCP connections.
 */
public record SweepEvent(long nanos, List<Service> deleted) {

    public SweepEvent {
        deleted = List.copyOf(deleted);
    }

    /** An event that deleted nothing. */
    public static SweepEvent at(long nanos) {
        return new SweepEvent(nanos, List.of());
    }

    /** Both events as one sweep: timed from the older, with both's deleted services. */
    SweepEvent and(SweepEvent other) {
        List<Service> both = new ArrayList<>(deleted);
        both.addAll(other.deleted);
        return new SweepEvent(nanos - other.nanos <= 0 ? nanos : other.nanos, both);
    }
}
