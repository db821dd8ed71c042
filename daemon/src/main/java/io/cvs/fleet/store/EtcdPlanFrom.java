package io.cvs.fleet.store;

import io.etcd.jetcd.ByteSequence;
import java.util.Map;

/**
 * {@link PlanFrom} on etcd: every key under services/ and claims/ at revision, as its mod revision and
 * value (a service entry's value left out: a plan needs only its revision). A key of those prefixes that it lacks
 * was absent at revision.
 */
record EtcdPlanFrom(long revision, Map<ByteSequence, EtcdCommit.Seen> keys) implements PlanFrom {

    EtcdPlanFrom {
        keys = Map.copyOf(keys);
    }
}
