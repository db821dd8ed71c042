package io.cvs.cli;

import io.cvs.cli.ApiFleet.Fleet;
import io.cvs.cli.ApiFleet.FleetHost;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code cvsadm fleet}: the hosts sharing one desired state in etcd, how far each applied it, and the store. */
@Command(name = "fleet", description = {
        "Show the fleet: the etcd store and every host with its applied revision.",
        "Shows the store (endpoints, revision, reachable or since when not, members healthy and the leader) and "
                + "each host reporting under the prefix: labels, applied revision, lag behind the store, when it "
                + "last reported, readiness, datapath and last error. The host answering is marked (this host). "
                + "Without fleet mode, one line says so and names the host.",
        "Example: cvsadm --url http://127.0.0.1:8081 fleet"})
final class FleetCommand extends ApiCommand {

    static final String PATH = "/api/v1/fleet";

    @Override
    void run() {
        Answer<Fleet> fleet = Answer.of(api().get(PATH), Fleet.class);
        if (format() != OutputFormat.table) {
            format().print(out(), fleet.document());
            return;
        }
        print(fleet.view(), Instant.now(), out());
    }

    /** The table for people, times relative to {@code now}. */
    static void print(Fleet fleet, Instant now, PrintWriter out) {
        if (!fleet.fleetMode()) {
            out.println(FleetFormat.singleHost(fleet));
            out.flush();
            return;
        }
        Table summary = new Table();
        if (fleet.store() != null) {
            summary.row("Store:", FleetFormat.store(fleet.store(), now))
                    .row("Endpoints:", FleetFormat.endpoints(fleet.store()));
            List<String> unhealthy = FleetFormat.unhealthyMembers(fleet.store());
            for (int i = 0; i < unhealthy.size(); i++) {
                summary.row(i == 0 ? "Unhealthy:" : "", unhealthy.get(i));
            }
        }
        if (fleet.applied() != null) {
            summary.row("Applied:", FleetFormat.applied(fleet.applied(), now));
        }
        summary.print(out);
        out.println();
        hosts(fleet.hosts(), now).print(out);
    }

    static Table hosts(List<FleetHost> hosts, Instant now) {
        Table table = new Table("HOST", "LABELS", "APPLIED", "LAG", "LAST SEEN", "READY", "DATAPATH", "ERROR")
                .alignRight(2, 3);
        hosts.stream().sorted(Comparator.comparing(FleetHost::hostId)).forEach(host -> table.row(
                FleetFormat.host(host), FleetFormat.labels(host), FleetFormat.revision(host.appliedRevision()),
                FleetFormat.revision(host.lagRevisions()), FleetFormat.ago(host.lastSeen(), now),
                Format.yesNo(host.ready()), Format.orNone(host.datapath()), Format.orNone(host.lastError())));
        return table;
    }
}
