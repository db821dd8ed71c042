package io.cvs.pick;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Forwarder;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import io.cvs.service.Service;
import io.cvs.system.InvalidRequestException;
import io.cvs.write.ServiceRegistry;
import java.util.OptionalLong;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Which backend a client would get now: the question behind "why does this client always land there". Answered by
 * the datapath's own selection code (libcvsbpf's pick, which the socket-LB and cvs.ko compile too), for the client
 * as the datapath that would serve it knows it: a process in a network namespace below the socket-LB's cgroup by
 * that namespace's cookie, anyone else as cvs.ko sees a routed client (source address and port). Reads the
 * affinity entry, never stores one.
 */
@RestController
class PickController {

    private final ServiceRegistry registry;
    private final Datapath datapath;

    PickController(ServiceRegistry registry, Datapath datapath) {
        this.registry = registry;
        this.datapath = datapath;
    }

    /** 400 for a bad id or client, 404 for an unknown service, 409 no-usable-backend when every backend is out. */
    @GetMapping(path = "/api/v1/services/{id}/pick", produces = MediaType.APPLICATION_JSON_VALUE)
    PickResponse pick(@PathVariable String id, @RequestParam(required = false) String client) {
        Service service = registry.get(id);
        ClientAddress asked = ClientAddress.parse(client);
        if (IpAddresses.isIpv6(asked.address()) != service.key().isIpv6()) {
            throw InvalidRequestException.of(ClientAddress.FIELD, "must be " + IpAddresses.family(service.key().vip())
                    + " like the service's VIP", client);
        }
        DatapathStatus status = datapath.status();
        boolean memory = status.mode() == DatapathMode.MEMORY;
        // without the socket-LB programs attached, no client is one of theirs
        OptionalLong netns = status.active().contains(Forwarder.SOCKET_LB) ? datapath.clientNetns(asked.address())
                : OptionalLong.empty();
        ClientFlow flow = netns.isPresent() ? ClientFlow.socketLb(netns.getAsLong())
                : ClientFlow.routed(asked.address(), asked.port());
        PickedBackend picked = datapath.pick(service.key(), flow).orElseThrow(() -> new DatapathException(
                DatapathException.Reason.FAILED, "Service " + service.key() + " is desired but not in the maps; the "
                        + "next reconcile writes it"));
        String view = memory ? "memory" : netns.isPresent() ? "socket-lb" : "module";
        return PickResponse.of(service, picked, view);
    }
}
