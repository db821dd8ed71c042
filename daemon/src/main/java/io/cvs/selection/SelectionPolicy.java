package io.cvs.selection;

import java.util.Objects;
import java.util.Optional;

/**
 * How a service selects: its scheduler, its Maglev table size (a prime; 0 unless {@link Scheduler#MAGLEV}) and its
 * session affinity's timeout in seconds (0: no affinity; else CLIENT_IP affinity, a client going back to the backend
 * it last got while it came back within the timeout). struct cvs_service_policy in the daemon's terms.
 */
public record SelectionPolicy(Scheduler scheduler, int maglevTableSize, int affinityTimeoutSeconds) {

    /** RANDOM without affinity: what every service had before policies existed, and what an all-zero row means. */
    public static final SelectionPolicy DEFAULT = new SelectionPolicy(Scheduler.RANDOM, 0, 0);

    /** CVS_MAGLEV_SLOTS_MIN and _MAX of cvs_abi.h. */
    public static final int TABLE_SIZE_MIN = 7;
    public static final int TABLE_SIZE_MAX = 1_048_573;
    /** The table size a MAGLEV service gets when it names none, unless cvs.selection.maglev-table-size says. */
    public static final int TABLE_SIZE_DEFAULT = 16_381;
    /** CVS_AFFINITY_TIMEOUT_MAX: a day, as Kubernetes allows. */
    public static final int AFFINITY_TIMEOUT_MAX = 86_400;
    /** Kubernetes' default for ClientIP affinity: three hours. */
    public static final int AFFINITY_TIMEOUT_DEFAULT = 10_800;

    public SelectionPolicy {
        Objects.requireNonNull(scheduler, "scheduler");
    }

    public static SelectionPolicy maglev(int tableSize) {
        return new SelectionPolicy(Scheduler.MAGLEV, tableSize, 0);
    }

    public SelectionPolicy withAffinity(int timeoutSeconds) {
        return new SelectionPolicy(scheduler, maglevTableSize, timeoutSeconds);
    }

    public boolean isMaglev() {
        return scheduler == Scheduler.MAGLEV;
    }

    public boolean hasAffinity() {
        return affinityTimeoutSeconds > 0;
    }

    public Affinity affinity() {
        return hasAffinity() ? Affinity.CLIENT_IP : Affinity.NONE;
    }

    /** What libcvsbpf would refuse with EINVAL, in words; empty when a datapath can take it. */
    public Optional<String> problem() {
        if (isMaglev() != (maglevTableSize != 0)) {
            return Optional.of("a Maglev table size goes with the MAGLEV scheduler and only with it");
        }
        if (isMaglev() && !isTableSize(maglevTableSize)) {
            return Optional.of("Maglev table size " + maglevTableSize + " is not a prime between " + TABLE_SIZE_MIN
                    + " and " + TABLE_SIZE_MAX);
        }
        if (affinityTimeoutSeconds < 0 || affinityTimeoutSeconds > AFFINITY_TIMEOUT_MAX) {
            return Optional.of("affinity timeout " + affinityTimeoutSeconds + " is outside 1.." + AFFINITY_TIMEOUT_MAX);
        }
        return Optional.empty();
    }

    /** A prime within TABLE_SIZE_MIN..TABLE_SIZE_MAX: a table size a service may have. */
    public static boolean isTableSize(long size) {
        return size >= TABLE_SIZE_MIN && size <= TABLE_SIZE_MAX && isPrime(size);
    }

    /** Trial division: the numbers are below 2^20, so at most about 500 divisions. */
    public static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        for (long d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return scheduler + (isMaglev() ? " " + maglevTableSize : "")
                + (hasAffinity() ? ", CLIENT_IP affinity " + affinityTimeoutSeconds + " s" : "");
    }
}
