package io.cvs.datapath.bpf;

import static io.cvs.datapath.bpf.NativeLayout.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.cvs.datapath.Endpoint;
import io.cvs.datapath.Flows;
import io.cvs.datapath.ServiceKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flow sweeps of cvsbpf.h: the socket-LB's (cvs_flows_sweep) and cvs.ko's (cvs_module_sweep). Their arrays are
 * native memory of the call's own: a sweep is rare and may run beside a write on the same handle, which C
 * serialises, so it must not share {@link MapSet}'s buffer.
 */
final class FlowCalls {

    private static final Logger log = LoggerFactory.getLogger(FlowCalls.class);

    /** (service, backend) pairs one sweep reports; what a sweep ends beyond them is ended but not counted. */
    static final int COUNTS_CAP = 4096;

    private FlowCalls() {
    }

    /** One sweep's C call, given the reset_tcp array and the output array. */
    interface Sweep {
        int call(Pointer resetTcp, int nReset, Pointer out, int cap, Pointer count);
    }

    /**
     * Runs the sweep with resetTcp encoded and returns what it ended; nothing when C answers absent (the host or
     * the module cannot sweep), and a {@link BpfMapException} for any other refusal.
     */
    static List<Flows.Ended> sweep(String name, Set<ServiceKey> resetTcp, int absent, Sweep sweep) {
        List<ServiceKey> keys = List.copyOf(resetTcp);
        try (Memory keyArray = new Memory(Math.max(1, (long) keys.size() * SVC_KEY_SIZE));
                Memory out = new Memory((long) COUNTS_CAP * FLOW_COUNT_SIZE);
                Memory count = new Memory(4)) {
            for (int i = 0; i < keys.size(); i++) {
                BulkCalls.putKey(keyArray, (long) i * SVC_KEY_SIZE, keys.get(i));
            }
            count.setInt(0, 0);
            int result = sweep.call(keyArray, keys.size(), out, COUNTS_CAP, count);
            if (result == -absent) {
                NativeLog.takeLastProblem();
                return List.of();
            }
            if (result == -Errno.ENOBUFS) {
                // the sweep is done: only its counts did not fit
                NativeLog.takeLastProblem();
                log.warn("{} ended flows of {} backends of services; only the first {} are counted", name,
                        count.getInt(0), COUNTS_CAP);
            } else {
                BpfMapException.check(name, result);
            }
            int n = Math.min(count.getInt(0), COUNTS_CAP);
            List<Flows.Ended> ended = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ended.add(decode(out, (long) i * FLOW_COUNT_SIZE));
            }
            return ended;
        }
    }

    private static Flows.Ended decode(Pointer out, long at) {
        ServiceKey service = BulkCalls.key(out, at + FLOW_COUNT_SERVICE);
        int family = NativeAddress.family(service.vip());
        Endpoint backend = new Endpoint(
                NativeAddress.address(out.getByteArray(at + FLOW_COUNT_BACKEND, NativeAddress.SIZE), family),
                Short.toUnsignedInt(BulkCalls.network(out.getShort(at + FLOW_COUNT_BACKEND_PORT))));
        return new Flows.Ended(service, backend, out.getInt(at + FLOW_COUNT_TCP), out.getInt(at + FLOW_COUNT_UDP));
    }

    /** The counts per (service, backend), summed over the forwarders that reported them. */
    static List<Flows.Ended> merged(List<Flows.Ended> all) {
        Map<List<Object>, Flows.Ended> byPair = new LinkedHashMap<>();
        for (Flows.Ended e : all) {
            byPair.merge(List.of(e.service(), e.backend()), e, (a, b) -> new Flows.Ended(a.service(), a.backend(),
                    a.tcp() + b.tcp(), a.udp() + b.udp()));
        }
        return new ArrayList<>(byPair.values());
    }
}
