package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.flows.FlowSweeper;
import io.cvs.flows.SweepEvent;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a write's steps make backends leave their services, so their flows must be swept: a service deleted (or
 * its address passed to another), or a backend that took new connections or kept its flows before (in the maps,
 * not down) and is now gone from its service or down. A drained backend (weight 0) has not left; a changed weight,
 * label or check that leaves every backend where it was needs no sweep.
 */
final class Leaving {

    private static final Leaving NONE = new Leaving(false, List.of());

    private final boolean any;
    private final List<Service> deleted;

    private Leaving(boolean any, List<Service> deleted) {
        this.any = any;
        this.deleted = deleted;
    }

    /** downBefore and downAfter: health before and after the write admitted its changes. */
    static Leaving of(Transition steps, DownBackends downBefore, DownBackends downAfter) {
        List<Service> deleted = new ArrayList<>();
        boolean[] stranded = {false};
        steps.forEachChange((was, is) -> {
            if (was == null) {
                return;
            }
            if (is == null) {
                deleted.add(was);
            } else if (!stranded[0]) {
                stranded[0] = strands(downBefore.effective(was), downAfter.effective(is));
            }
        });
        return deleted.isEmpty() && !stranded[0] ? NONE : new Leaving(true, deleted);
    }

    /** Whether a backend the maps held up in before is absent from after or down there. */
    static boolean strands(List<Backend> before, List<Backend> after) {
        Map<BackendKey, Backend> now = new HashMap<>();
        after.forEach(b -> now.put(BackendKey.of(b), b));
        for (Backend b : before) {
            Backend there = now.get(BackendKey.of(b));
            if (!b.down() && (there == null || there.down())) {
                return true;
            }
        }
        return false;
    }

    /** Asks for a sweep when backends left, timed from committed (the write's journal commit). */
    void sweep(FlowSweeper sweeper, long committed) {
        if (any) {
            sweeper.request(new SweepEvent(committed, deleted));
        }
    }
}
