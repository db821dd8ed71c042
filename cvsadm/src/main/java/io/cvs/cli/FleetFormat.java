package io.cvs.cli;

import io.cvs.cli.ApiFleet.Fleet;
import io.cvs.cli.ApiFleet.FleetApplied;
import io.cvs.cli.ApiFleet.FleetHost;
import io.cvs.cli.ApiFleet.FleetStore;
import io.cvs.cli.ApiFleet.FleetStoreMember;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The cells of {@code cvsadm fleet}, as {@link Format} writes the other commands' (a class of its own so that
 * Format stays readable in one sitting). Times are relative to {@code now}, the client's clock: {@code 3s ago}.
 */
final class FleetFormat {

    private FleetFormat() {
    }

    /** {@code Single host (fleet mode off): host-a, labels zone=a, ready, datapath bpf}. */
    static String singleHost(Fleet fleet) {
        FleetHost self = fleet.hosts().stream().filter(FleetHost::self).findFirst().orElse(null);
        String host = fleet.hostId() + (fleet.labels().isEmpty() ? "" : ", labels " + Format.labels(fleet.labels()));
        return "Single host (fleet mode off: cvs.fleet.etcd.endpoints unset): " + host
                + (self == null ? "" : ", " + Format.readiness(self.ready()) + ", datapath " + self.datapath());
    }

    /**
     * {@code revision 1042, reachable; members 2 of 3 healthy, leader etcd-1}, or while the store is away
     * {@code UNREACHABLE since 2026-03-01T12:05:00Z (5m ago), last revision known 1042; writes refused}.
     */
    static String store(FleetStore store, Instant now) {
        if (!store.reachable()) {
            return "UNREACHABLE since " + toSecond(store.unreachableSince()) + " (" + ago(store.unreachableSince(),
                    now) + "), last revision known " + revision(store.revision())
                    + "; writes refused, forwarding goes on from this host's state";
        }
        long healthy = store.members().stream().filter(FleetStoreMember::healthy).count();
        String leader = store.members().stream().filter(FleetStoreMember::leader).map(FleetStoreMember::name)
                .findFirst().orElse("NONE");
        return "revision " + revision(store.revision()) + ", reachable; members " + healthy + " of "
                + store.members().size() + " healthy, leader " + leader;
    }

    /** {@code http://127.0.0.1:2379, http://127.0.0.1:22379}. */
    static String endpoints(FleetStore store) {
        return store.endpoints().isEmpty() ? Format.NONE : String.join(", ", store.endpoints());
    }

    /** One line per member that is not healthy: {@code etcd-3 http://127.0.0.1:32379: connection refused}. */
    static List<String> unhealthyMembers(FleetStore store) {
        return store.members().stream().filter(member -> !member.healthy())
                .map(member -> (member.name() == null || member.name().isEmpty() ? "" : member.name() + " ")
                        + member.clientUrl() + ": " + Format.orNone(member.error()))
                .collect(Collectors.toList());
    }

    /** {@code revision 1042 (lag 0), 3s ago}: how far this host got. */
    static String applied(FleetApplied applied, Instant now) {
        return "revision " + applied.revision() + " (lag " + applied.lagRevisions() + ")"
                + (applied.at() == null ? ", nothing applied yet" : ", " + ago(applied.at(), now));
    }

    /** {@code host-a (this host)} for the host that answered, else its id. */
    static String host(FleetHost host) {
        return host.self() ? host.hostId() + " (this host)" : host.hostId();
    }

    /** The labels, or {@link Format#NONE}. */
    static String labels(FleetHost host) {
        return host.labels().isEmpty() ? Format.NONE : Format.labels(host.labels());
    }

    /** A revision or a lag, {@link Format#NONE} where the daemon has none. */
    static String revision(Long revision) {
        return revision == null ? Format.NONE : Format.number(revision);
    }

    /** {@code 2026-03-01T12:05:00Z}: an instant to the second, as written when it is not one. */
    static String toSecond(String instant) {
        if (instant == null) {
            return Format.NONE;
        }
        try {
            return Instant.parse(instant).truncatedTo(ChronoUnit.SECONDS).toString();
        } catch (DateTimeParseException e) {
            return instant;
        }
    }

    /**
     * {@code 3s ago}, {@code 4m ago}, {@code 2h ago}, {@code 3d ago}; {@link Format#NONE} for no time. A time
     * ahead of this clock (another host's clock runs fast) is {@code 0s ago}.
     */
    static String ago(String instant, Instant now) {
        if (instant == null) {
            return Format.NONE;
        }
        Instant then;
        try {
            then = Instant.parse(instant);
        } catch (DateTimeParseException e) {
            return instant;
        }
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 60) {
            return seconds + "s ago";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m ago";
        }
        if (seconds < 86400) {
            return seconds / 3600 + "h ago";
        }
        return seconds / 86400 + "d ago";
    }
}
