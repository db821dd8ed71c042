package io.cvs.cli;

import io.cvs.cli.Api.Datapath;
import io.cvs.cli.Api.Health;
import picocli.CommandLine.Command;
import tools.jackson.databind.node.ObjectNode;

/** The daemon at a glance: datapath, capacity (with the policy maps'), journal, reconcile and readiness. */
@Command(name = "status", description = {
        "Show the datapath, capacity, journal and readiness.",
        "Shows the daemon's datapath (mode, forwarders chosen and active, socket-LB attachment, cvs.ko), capacity "
                + "used and free, journal, last reconcile and readiness.",
        "Example: cvsadm status"})
final class StatusCommand extends ApiCommand {

    @Override
    void run() {
        Answer<Datapath> datapath = Answer.of(api().get("/api/v1/datapath"), Datapath.class);
        ApiClient.Response health = api().getAnyStatus("/actuator/health");
        boolean ready = api().getAnyStatus("/actuator/health/readiness").status() == 200;
        if (format() != OutputFormat.table) {
            ObjectNode status = Json.JSON.createObjectNode().put("url", api().url().toString());
            status.set("datapath", datapath.document());
            status.set("health", health.body());
            status.put("ready", ready);
            format().print(out(), status);
            return;
        }
        Health daemonHealth = Json.view(health.body(), Health.class);
        Table table = new Table()
                .row("Daemon:", api().url() + ", " + Format.readiness(ready) + ", health "
                        + Format.status(daemonHealth.status()))
                .row("Datapath:", Format.datapath(datapath.view()));
        for (String line : Format.attachment(datapath.view())) {
            table.row("", line);
        }
        table.row("Capacity:", Format.capacity(datapath.view().capacity()))
                .row("Policies:", Format.policyCapacity(datapath.view().capacity()))
                .row("Journal:", Format.component(daemonHealth.component("journal")))
                .row("Reconcile:", Format.component(daemonHealth.component("reconcile")))
                .print(out());
    }
}
