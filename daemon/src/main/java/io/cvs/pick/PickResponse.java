package io.cvs.pick;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.address.IpAddresses;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import io.cvs.service.Service;
import java.util.Locale;

/**
 * {@code GET /api/v1/services/{id}/pick}: the backend a datapath would give the client now, and why.
 *
 * @param backend            address:port, IPv6 in brackets
 * @param reason             {@code affinity} (the client's entry), {@code maglev} (the flow hash in the table) or
 *                           {@code random} (a weighted random slot)
 * @param sample             true for {@code random}: one sample of what a connection may get, not a prediction
 * @param affinityAgeSeconds for {@code affinity}: how long ago the client's entry was stored or last refreshed (lazily: see cvs_select.h)
 * @param hash               the flow hash (unsigned 32 bits) of the client and the service
 * @param datapath           whose view: {@code socket-lb} (the client is a process below its cgroup), {@code module}
 *                           (a routed client, as cvs.ko sees it), or {@code memory} (the memory datapath's model:
 *                           nothing forwards)
 * @param client             how that datapath knows the client
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record PickResponse(String service, String vip, String backend, String reason, boolean sample,
        Double affinityAgeSeconds, long hash, String datapath, Client client) {

    /**
     * @param kind        {@code socket-lb}: by its network namespace; {@code routed}: by source address and port
     * @param netnsCookie the namespace's cookie (socket-lb); 0 for a routed client
     * @param address     the source address (routed)
     * @param port        the source port (routed; 0 when the request gave none)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Client(String kind, long netnsCookie, String address, Integer port) {

        static Client of(ClientFlow flow) {
            return flow.kind() == ClientFlow.Kind.SOCKET_LB ? new Client("socket-lb", flow.netnsCookie(), null, null)
                    : new Client("routed", 0, IpAddresses.text(flow.address()), flow.port());
        }
    }

    static PickResponse of(Service service, PickedBackend picked, String datapath) {
        boolean affinity = picked.reason() == PickedBackend.Reason.AFFINITY;
        return new PickResponse(service.id(), service.key().toString(),
                IpAddresses.withPort(picked.address(), picked.port()),
                picked.reason().name().toLowerCase(Locale.ROOT),
                picked.reason() == PickedBackend.Reason.RANDOM, affinity ? picked.affinityAgeNanos() / 1e9 : null,
                picked.hash(), datapath, Client.of(picked.client()));
    }
}
