package io.cvs.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;
import tools.jackson.databind.node.ObjectNode;

/**
 * The selection options of {@code service add} and {@code service edit}: the scheduler, the Maglev table size and
 * session affinity, as the API's {@code scheduler}, {@code maglev} and {@code sessionAffinity}. Options not given
 * take the daemon's defaults (add) or keep what the service has (edit; leaving MAGLEV drops the table size, setting
 * the affinity to none drops the timeout).
 */
final class SelectionOptions {

    @Option(names = "--scheduler", paramLabel = "random|maglev", converter = Scheduler.class,
            description = "random (a weighted random backend, the default) or maglev (consistent hashing: a client "
                    + "keeps its backend while the backends stay, on every host with the same backends).")
    String scheduler;

    @Option(names = "--maglev-table-size", paramLabel = "PRIME",
            description = "With maglev: the table size, a prime of at least the number of backends (default the "
                    + "daemon's cvs.selection.maglev-table-size, 16381).")
    Integer maglevTableSize;

    @Option(names = "--affinity", paramLabel = "none|client-ip", converter = Affinity.class,
            description = "client-ip: a client goes back to the backend it last got within the timeout; none "
                    + "(the default): every connection is scheduled afresh.")
    String affinity;

    @Option(names = "--affinity-timeout", paramLabel = "SECONDS",
            description = "With client-ip (which it implies when --affinity is not given): 1 to 86400 (default "
                    + "10800).")
    Integer affinityTimeout;

    boolean anyGiven() {
        return scheduler != null || maglevTableSize != null || affinity != null || affinityTimeout != null;
    }

    /** Puts the fields given into a service body or a merge patch of one. */
    void applyTo(ObjectNode spec) {
        if (scheduler != null) {
            spec.put("scheduler", scheduler);
        }
        if (maglevTableSize != null) {
            spec.putObject("maglev").put("tableSize", maglevTableSize);
        }
        if (affinity != null || affinityTimeout != null) {
            ObjectNode sessionAffinity = spec.putObject("sessionAffinity")
                    .put("type", affinity != null ? affinity : "CLIENT_IP");
            if (affinityTimeout != null) {
                sessionAffinity.put("timeoutSeconds", affinityTimeout);
            }
        }
    }

    /** {@code --scheduler}: RANDOM or MAGLEV, in any case. */
    static final class Scheduler implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String scheduler = value.toUpperCase(Locale.ROOT);
            if (!scheduler.equals("RANDOM") && !scheduler.equals("MAGLEV")) {
                throw new TypeConversionException("'" + value + "' is not random or maglev");
            }
            return scheduler;
        }
    }

    /** {@code --affinity}: NONE or CLIENT_IP, typed as none or client-ip in any case. */
    static final class Affinity implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String affinity = value.toUpperCase(Locale.ROOT).replace('-', '_');
            if (!affinity.equals("NONE") && !affinity.equals("CLIENT_IP")) {
                throw new TypeConversionException("'" + value + "' is not none or client-ip");
            }
            return affinity;
        }
    }
}
