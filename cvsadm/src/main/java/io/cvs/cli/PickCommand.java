package io.cvs.cli;

import io.cvs.cli.Api.Pick;
import io.cvs.cli.Api.Service;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Which backend a client would get now, by the datapath's own selection code (GET /api/v1/services/{id}/pick). */
@Command(name = "pick", description = {
        "Show the backend the datapath would choose now for a client, and why.",
        "affinity: the client's session affinity entry; maglev: the client's place in the Maglev table (what it "
                + "gets while the backends stay); random: one sample. A client address of a network namespace below "
                + "the socket-LB's cgroup is asked as the socket-LB knows it (its namespace), any other as cvs.ko "
                + "sees a routed client (address and port).",
        "Example: cvsadm pick 192.0.2.10:80 198.51.100.7:40112",
        "Example: cvsadm pick [2001:db8::10]:80 [2001:db8:1::7]:40112"})
final class PickCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VIP:PORT[/PROTO]", converter = Endpoint.Converter.class,
            description = "The service; port 80 and TCP when not given.")
    private Endpoint endpoint;

    @Parameters(index = "1", paramLabel = "CLIENT[:PORT]",
            description = "The client's address, with its source port when known ([IPv6]:PORT).")
    private String client;

    @Override
    void run() {
        Endpoint address = endpoint.withDefaults();
        HostPort typed = HostPort.parse(client, client.length()).orElseThrow(() -> new CliFailure(ExitCode.USAGE,
                "'" + client + "' is not CLIENT[:PORT]: an IPv4 address, or IPv6 in brackets when a port follows"));
        Service service = services().at(address).orElseThrow(() -> CliFailure.notFound("no service at "
                + address.vip() + ":" + address.port() + "/" + address.protocol() + "; 'cvsadm list' shows them"))
                .view();
        String query = ApiClient.query(List.of("client", typed.port() == null ? typed.address().toString()
                : IpAddress.withPort(typed.address().toString(), typed.port())));
        Answer<Pick> pick = Answer.of(api().get(Services.path(service) + "/pick" + query), Pick.class);
        if (format() != OutputFormat.table) {
            format().print(out(), pick.document());
            return;
        }
        out().println(Format.pick(pick.view()));
        out().flush();
    }
}
