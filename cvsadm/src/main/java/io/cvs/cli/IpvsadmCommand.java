package io.cvs.cli;

import io.cvs.cli.Api.Service;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/**
 * ipvsadm's command lines against the daemon: {@code cvsadm -A -t 192.0.2.10:80 -s wrr} is
 * {@code cvsadm ipvsadm -A ...} ({@link Main#withIpvsadm}). Each line is read by {@link IpvsadmLine}; services
 * and backends change through the same endpoints as cvsadm's own commands, {@code -R} through the bulk one.
 */
@Command(name = IpvsadmCommand.NAME, description = {
        "Run an ipvsadm command line against cvs (also without 'ipvsadm': cvsadm -Ln).",
        "  -A|-E -t|-u VIP:PORT [-s rr|wrr|mh] [-p [SECONDS]]  add, edit a service",
        "  -D -t|-u VIP:PORT                                  delete a service",
        "  -a|-e -t|-u VIP:PORT -r RIP[:PORT] [-w W] [-m]     add, edit a real server",
        "  -d -t|-u VIP:PORT -r RIP[:PORT]                    delete a real server",
        "  -L|-l [-n] [--stats|--rate] [-t|-u VIP:PORT]       list as ipvsadm does",
        "  -S [-n]  print rules for -R    -R  restore rules from stdin, all or nothing",
        "  -C       delete every service, without asking, as ipvsadm -C",
        "rr, wrr: weighted random; mh: Maglev; -p: CLIENT_IP affinity (default 360 s).",
        "A real server's port is the virtual one when not given, its weight 1.",
        "ActiveConn shows connections so far, InActConn 0: cvs keeps no connection table.",
        "Refused (exit 6): other schedulers, -f, -M other than a host, -o, -b, -x, -y,",
        "-c, -Z (counters only grow).",
        "Example: ipvsadm -S -n | cvsadm -R"})
final class IpvsadmCommand extends ApiCommand {

    static final String NAME = "ipvsadm";

    @Parameters(arity = "0..*", paramLabel = "OPTION", description = "ipvsadm's options, as ipvsadm takes them.")
    private List<String> args = new ArrayList<>();

    /** ipvsadm's options reach {@link #args} unparsed; its -o (one-packet scheduling) is not cvsadm's --output. */
    static void configure(CommandLine command) {
        command.setUnmatchedOptionsArePositionalParams(true);
        command.getCommandSpec().remove(command.getCommandSpec().findOption("--output"));
    }

    @Override
    void run() {
        IpvsadmLine line = IpvsadmLine.parse(args);
        line.warnings.forEach(warning -> err().println("cvsadm: " + warning));
        if ("AE".indexOf(line.command) >= 0 && "rr".equals(line.scheduler)) {
            err().println("cvsadm: note: -s rr is weighted random in cvs; with equal weights it spreads connections "
                    + "evenly on average, not strictly in turn");
        }
        err().flush();
        switch (line.command) {
            case 'A' -> addService(line);
            case 'E' -> editService(line);
            case 'D' -> api().delete(Services.path(existing(line)), ApiClient.ifMatch(existing(line).version()));
            case 'a' -> api().post(Services.path(existing(line)) + "/backends", IpvsadmRules.backend(line));
            case 'e' -> api().put(Services.backendPath(existing(line), backendKey(line)),
                    Json.JSON.createObjectNode().put("weight", line.weight == null ? 1 : line.weight),
                    Map.of("If-Match", "*"));
            case 'd' -> {
                Service service = existing(line);
                api().delete(Services.backendPath(service, backendKey(line)), ApiClient.ifMatch(service.version()));
            }
            case 'L' -> print(IpvsadmText.list("cvs at " + api().url() + (line.stats || line.rate
                    ? " (OutPkts, OutBytes: 0; cvs counts what goes to the backends)"
                    : " (ActiveConn: connections so far, InActConn: 0; cvs keeps no connection table)"), selected(line),
                    service -> services().stats(service).view(), line.stats, line.rate));
            case 'S' -> print(IpvsadmText.rules(selected(line)));
            case 'C' -> api().put(Services.PATH, Json.JSON.createObjectNode().set("services",
                    Json.JSON.createArrayNode()), Map.of());
            case 'Z' -> throw IpvsadmLine.unsupported("-Z: cvs cannot zero counters (they only grow); 'cvsadm "
                    + "stats' shows rates, which need no zeroing");
            case 'R' -> restore();
            default -> throw new IllegalStateException("command -" + line.command);
        }
    }

    /** One bulk request: the daemon takes every line or none. */
    private void restore() {
        IpvsadmRules.Restore restore = IpvsadmRules.restore(api().get("/api/v1/state"), stdin());
        try {
            api().put(Services.PATH, restore.desired(), Map.of());
        } catch (CliFailure refused) {
            throw refused.httpStatus() == 400 ? restore.withLines(refused) : refused;
        }
    }

    private void addService(IpvsadmLine line) {
        Endpoint endpoint = line.endpoint();
        services().at(endpoint).ifPresent(found -> {
            throw new CliFailure(ExitCode.API, "-A: " + Format.service(found.view()) + " exists already; -E edits it");
        });
        api().post(Services.PATH, IpvsadmRules.service(line));
    }

    /** As ipvsadm -E: the scheduler and persistence become what the line says, its default where it says none. */
    private void editService(IpvsadmLine line) {
        Service service = existing(line);
        ObjectNode patch = Json.JSON.createObjectNode();
        IpvsadmRules.selection(line, patch);
        if (!patch.has("maglev")) {
            patch.putNull("maglev");
        }
        if (!patch.has("sessionAffinity")) {
            patch.putNull("sessionAffinity");
        }
        api().patch(Services.path(service), patch, ApiClient.ifMatch(service.version()));
    }

    private Service existing(IpvsadmLine line) {
        return services().at(line.endpoint()).orElseThrow(() -> CliFailure.notFound("no service at "
                + line.endpoint() + "; 'cvsadm -L -n' lists them")).view();
    }

    private static String backendKey(IpvsadmLine line) {
        return IpAddress.withPort(line.real.address().toString(), line.realPort());
    }

    /** Every service, or the one {@code -t|-u} names (exit 3 when there is none), in ipvsadm's order. */
    private List<Service> selected(IpvsadmLine line) {
        List<Service> services = line.service == null ? services().all().stream().map(Answer::view).toList()
                : List.of(existing(line));
        return services.stream().sorted(IpvsadmText.ORDER).toList();
    }

    private void print(List<String> lines) {
        lines.forEach(out()::println);
        out().flush();
    }

    private String stdin() {
        try {
            return new String(root().host().stdin().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliFailure(ExitCode.USAGE, "-R: cannot read stdin: " + e.getMessage());
        }
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
