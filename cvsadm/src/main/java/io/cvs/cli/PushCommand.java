package io.cvs.cli;

import io.cvs.cli.Api.Service;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** The seed's {@code push}: add a backend to the service at an address, creating the service if there is none. */
@Command(name = "push", description = {
        "Add a backend to a VIP, creating its service if needed.",
        "Adds the backend to the service at VIP:PORT/PROTO (port 80 and TCP when not given), creating the service "
                + "when none is there.",
        "Addresses of either family; an IPv6 address goes in brackets when a port follows: [2001:db8::10]:80.",
        "Example: cvsadm push 192.0.2.10 10.0.0.1:8080, cvsadm push [2001:db8::10]:80 [fd00::2]:8080"})
final class PushCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "VIP[:PORT[/PROTO]]", converter = Endpoint.Converter.class)
    private Endpoint endpoint;

    @Parameters(index = "1", paramLabel = "BACKEND[:PORT]", converter = BackendArg.Converter.class,
            description = "The backend; its port defaults to the VIP's.")
    private BackendArg backend;

    @Option(names = "--weight", paramLabel = "N", description = "Relative share of new connections (default 1).")
    private Integer weight;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Name of the service if it is created (default vip-<address>-<port>-<proto>).")
    private String name;

    @Override
    void run() {
        Endpoint address = endpoint.withDefaults();
        ObjectNode added = backendSpec(backend.portOr(address.port()));
        String key = backend.key(address.port());
        Optional<Answer<Service>> existing = services().at(address);
        Answer<Service> service;
        if (existing.isEmpty()) {
            service = Answer.of(api().post(Services.PATH, serviceSpec(address, added)), Service.class);
            say("Created service " + Format.service(service.view()) + " with backend " + key);
        } else {
            Service found = existing.get().view();
            if (name != null && !name.equals(found.name())) {
                throw new CliFailure(ExitCode.USAGE, address + " is service " + found.name() + ", not " + name
                        + "; leave out --name to add to it");
            }
            api().post(Services.path(found) + "/backends", added);
            service = format() == OutputFormat.table ? existing.get()
                    : Answer.of(api().get(Services.path(found)), Service.class);
            say("Added backend " + key + " to service " + Format.service(service.view()));
        }
        if (format() != OutputFormat.table) {
            format().print(out(), service.document());
        }
    }

    private ObjectNode backendSpec(int port) {
        ObjectNode spec = Json.JSON.createObjectNode().put("address", backend.address().toString()).put("port", port);
        if (weight != null) {
            spec.put("weight", weight);
        }
        return spec;
    }

    private ObjectNode serviceSpec(Endpoint address, ObjectNode firstBackend) {
        ObjectNode spec = Json.JSON.createObjectNode()
                .put("name", name != null ? name : derivedName(address))
                .put("vip", address.vip().toString())
                .put("port", address.port())
                .put("protocol", address.protocol());
        spec.putArray("backends").add(firstBackend);
        return spec;
    }

    /**
     * {@code vip-192-0-2-10-80-tcp}, {@code vip-2001-db8--10-80-tcp}: a DNS label, unique per address (an IPv4
     * address gives four groups, a canonical IPv6 one eight or a {@code --}), at most 53 characters.
     */
    static String derivedName(Endpoint address) {
        return ("vip-" + address.vip().toString().replace('.', '-').replace(':', '-') + "-" + address.port() + "-"
                + address.protocol()).toLowerCase(Locale.ROOT);
    }
}
