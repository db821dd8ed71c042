package io.cvs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.selection.Affinity;
import io.cvs.selection.Scheduler;
import io.cvs.selection.SelectionPolicy;
import io.cvs.system.Violations;
import java.util.Arrays;

/**
 * How a service selects, as clients send it: {@code scheduler}, {@code maglev} and {@code sessionAffinity} of a
 * {@code ServiceRequest}, validated together into a {@link SelectionPolicy} with every default filled in, so that
 * what is journaled and answered is what the datapaths run.
 */
final class SelectionSpec {

    /** {@code "maglev": {"tableSize": N}}: a prime, at least the service's backends. */
    record Maglev(Integer tableSize) {
    }

    /** {@code "sessionAffinity": {"type": "CLIENT_IP", "timeoutSeconds": N}}, as Kubernetes spells it. */
    record SessionAffinity(String type, @JsonInclude(JsonInclude.Include.NON_NULL) Integer timeoutSeconds) {

        static SessionAffinity of(SelectionPolicy policy) {
            return policy.hasAffinity() ? new SessionAffinity(Affinity.CLIENT_IP.name(), policy.affinityTimeoutSeconds())
                    : new SessionAffinity(Affinity.NONE.name(), null);
        }
    }

    private SelectionSpec() {
    }

    static Maglev maglevOf(SelectionPolicy policy) {
        return policy.isMaglev() ? new Maglev(policy.maglevTableSize()) : null;
    }

    /**
     * The policy, or null with the reasons added to violations. Omitted: RANDOM, no affinity; MAGLEV without a table
     * size takes defaultTableSize, CLIENT_IP without a timeout 10800 s. backends: how many the service has, which
     * its table must be able to hold.
     */
    static SelectionPolicy toPolicy(String scheduler, Maglev maglev, SessionAffinity affinity, int backends,
            int defaultTableSize, String prefix, Violations violations) {
        int before = violations.size();
        Scheduler chosen = constant(Scheduler.class, scheduler, Scheduler.RANDOM, prefix + "scheduler", violations);
        int tableSize = 0;
        if (chosen == Scheduler.MAGLEV) {
            tableSize = maglev == null || maglev.tableSize() == null ? defaultTableSize : maglev.tableSize();
            checkTableSize(tableSize, backends, prefix + "maglev.tableSize", violations);
        } else if (maglev != null && chosen != null) {
            violations.add(prefix + "maglev", "is only for the scheduler MAGLEV", null);
        }
        int timeout = affinity == null ? 0 : timeout(affinity, prefix + "sessionAffinity.", violations);
        if (violations.size() > before) {
            return null;
        }
        return new SelectionPolicy(chosen, tableSize, timeout);
    }

    private static void checkTableSize(int tableSize, int backends, String field, Violations violations) {
        if (!SelectionPolicy.isTableSize(tableSize)) {
            violations.add(field, "must be a prime between " + SelectionPolicy.TABLE_SIZE_MIN + " and "
                    + SelectionPolicy.TABLE_SIZE_MAX, tableSize);
        } else if (tableSize < backends) {
            violations.add(field, "must be at least the number of backends (" + backends + ")", tableSize);
        }
    }

    /** The timeout CLIENT_IP affinity gets, 0 for NONE; -1 (with violations) when refused. */
    private static int timeout(SessionAffinity affinity, String prefix, Violations violations) {
        if (affinity.type() == null) {
            violations.add(prefix + "type", "is required", null);
            return -1;
        }
        Affinity type = constant(Affinity.class, affinity.type(), null, prefix + "type", violations);
        Integer timeout = affinity.timeoutSeconds();
        if (type == Affinity.NONE && timeout != null) {
            violations.add(prefix + "timeoutSeconds", "is only for the type CLIENT_IP", timeout);
        }
        if (type != Affinity.CLIENT_IP) {
            return type == null ? -1 : 0;
        }
        int seconds = timeout == null ? SelectionPolicy.AFFINITY_TIMEOUT_DEFAULT : timeout;
        if (seconds < 1 || seconds > SelectionPolicy.AFFINITY_TIMEOUT_MAX) {
            violations.add(prefix + "timeoutSeconds", "must be between 1 and " + SelectionPolicy.AFFINITY_TIMEOUT_MAX,
                    timeout);
            return -1;
        }
        return seconds;
    }

    /** The constant named text, fallback when text is null; null with a violation for another name. */
    private static <E extends Enum<E>> E constant(Class<E> kind, String text, E fallback, String field,
            Violations violations) {
        if (text == null) {
            return fallback;
        }
        for (E constant : kind.getEnumConstants()) {
            if (constant.name().equals(text)) {
                return constant;
            }
        }
        violations.add(field, "must be one of " + String.join(", ",
                Arrays.stream(kind.getEnumConstants()).map(Enum::name).toList()), text);
        return null;
    }
}
