package io.cvs.datapath.bpf;

import static io.cvs.datapath.bpf.NativeLayout.*;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The libcvsbpf calls for many services at once (cvsbpf.h, "Bulk calls"): a reconcile's check of every service and
 * a scrape's counters of every service, each one crossing per few thousand services instead of one per service.
 * Their arrays are native memory of the call's own, freed when it returns: they are megabytes at 100,000 services,
 * too large to keep between calls that come every few seconds at most. The caller ({@link MapSet}) serialises.
 */
final class BulkCalls {

    /** Services per cvs_services_check call: bounds its arrays (about 1 MB at 8 backends), not the work. */
    static final int CHECK_CHUNK = 8192;

    private static final boolean SWAP = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private BulkCalls() {
    }

    /**
     * libcvsbpf's result for each service against its backends and policy (cvs_services_check_policy): 0,
     * -ESTALE (other backends or policy), -EBADMSG (inconsistent, or a Maglev table not the one its members give),
     * -ENOENT or another -errno.
     */
    static int[] check(Pointer m, List<ServiceKey> keys, List<List<Backend>> wanted, List<SelectionPolicy> policies) {
        int[] results = new int[keys.size()];
        for (int from = 0; from < keys.size(); from += CHECK_CHUNK) {
            int to = Math.min(keys.size(), from + CHECK_CHUNK);
            checkChunk(m, keys.subList(from, to), wanted.subList(from, to), policies.subList(from, to), results,
                    from);
        }
        return results;
    }

    private static void checkChunk(Pointer m, List<ServiceKey> keys, List<List<Backend>> wanted,
            List<SelectionPolicy> policies, int[] results, int at) {
        int n = keys.size();
        int backends = 0;
        for (List<Backend> list : wanted) {
            backends += list.size();
        }
        try (Memory keyArray = new Memory((long) n * SVC_KEY_SIZE);
                Memory counts = new Memory(4L * n);
                Memory policyArray = new Memory((long) n * SERVICE_POLICY_SIZE);
                Memory want = new Memory(Math.max(1, (long) backends * BACKEND_SPEC_SIZE));
                Memory out = new Memory(4L * n)) {
            long b = 0;
            for (int i = 0; i < n; i++) {
                putKey(keyArray, (long) i * SVC_KEY_SIZE, keys.get(i));
                CallBuffer.putPolicy(policyArray.getByteBuffer((long) i * SERVICE_POLICY_SIZE, SERVICE_POLICY_SIZE)
                        .order(ByteOrder.nativeOrder()), 0, policies.get(i));
                List<Backend> list = wanted.get(i);
                counts.setInt(4L * i, list.size());
                ServiceKey key = keys.get(i);
                key.otherFamily(list).ifPresent(other -> {
                    throw new IllegalArgumentException("backend " + other + " is not of the family of " + key);
                });
                for (Backend backend : list) {
                    long o = b++ * BACKEND_SPEC_SIZE;
                    want.write(o + BACKEND_SPEC_ADDR, NativeAddress.bytes(backend.address()), 0, NativeAddress.SIZE);
                    want.setShort(o + BACKEND_SPEC_PORT, network((short) backend.port()));
                    want.setShort(o + BACKEND_SPEC_FLAGS, backend.down() ? MEMBER_F_DOWN : 0);
                    want.setInt(o + BACKEND_SPEC_WEIGHT, backend.weight());
                }
            }
            BpfMapException.check("cvs_services_check_policy",
                    LibCvsBpf.cvs_services_check_policy(m, keyArray, policyArray, counts, want, n, out));
            out.read(0, results, at, n);
        }
    }

    /**
     * Every service's counters, read in one call; sized by usage (services, backends in use) and read again,
     * larger, in the rare case a service was added between the two.
     */
    static Map<ServiceKey, ServiceCounters> countersAll(Pointer m, int services, int backends) {
        int cap = Math.max(16, services + services / 8);
        int beCap = Math.max(16, backends + backends / 8);
        while (true) {
            try (Memory keys = new Memory((long) cap * SVC_KEY_SIZE);
                    Memory svcs = new Memory((long) cap * SERVICE_COUNTERS_SIZE);
                    Memory members = new Memory(4L * cap);
                    Memory be = new Memory((long) beCap * BACKEND_COUNTERS_SIZE);
                    Memory counts = new Memory(8)) {
                int result = LibCvsBpf.cvs_counters_all(m, keys, svcs, members, cap, be, beCap, counts,
                        counts.share(4));
                int n = counts.getInt(0);
                int nbe = counts.getInt(4);
                if (result == -Errno.ENOBUFS) {
                    NativeLog.takeLastProblem();
                    cap = Math.max(cap, n + n / 8 + 16);
                    beCap = Math.max(beCap, nbe + nbe / 8 + 16);
                    continue;
                }
                BpfMapException.check("cvs_counters_all", result);
                return decode(keys, svcs, members, be, n);
            }
        }
    }

    private static Map<ServiceKey, ServiceCounters> decode(Pointer keys, Pointer svcs, Pointer members,
            Pointer be, int n) {
        Map<ServiceKey, ServiceCounters> all = new HashMap<>(n * 4 / 3 + 1);
        // addresses repeat across scrapes and services' backends: one object per distinct address per read
        Map<Sixteen, InetAddress> addresses = new HashMap<>();
        long at = 0;
        for (int i = 0; i < n; i++) {
            long k = (long) i * SVC_KEY_SIZE;
            int family = Byte.toUnsignedInt(keys.getByte(k + SVC_KEY_FAMILY));
            ServiceKey key = key(keys, k);
            int count = members.getInt(4L * i);
            List<BackendCounters> list = new ArrayList<>(count);
            for (int j = 0; j < count; j++, at++) {
                long o = at * BACKEND_COUNTERS_SIZE;
                Sixteen address = new Sixteen(be.getByteArray(o + BACKEND_COUNTERS_ADDR, NativeAddress.SIZE), family);
                list.add(new BackendCounters(addresses.computeIfAbsent(address, Sixteen::toAddress),
                        Short.toUnsignedInt(network(be.getShort(o + BACKEND_COUNTERS_PORT))),
                        be.getLong(o + BACKEND_COUNTERS_CONNS), be.getLong(o + BACKEND_COUNTERS_PACKETS),
                        be.getLong(o + BACKEND_COUNTERS_BYTES)));
            }
            long s = (long) i * SERVICE_COUNTERS_SIZE;
            all.put(key, new ServiceCounters(svcs.getLong(s + SERVICE_COUNTERS_REFUSED),
                    svcs.getLong(s + SERVICE_COUNTERS_RETRIED), list));
        }
        return all;
    }

    /** addr[4]'s bytes and their family, as a map key: arrays compare by identity. */
    private record Sixteen(byte[] bytes, int family) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Sixteen s && s.family == family && Arrays.equals(s.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes) * 31 + family;
        }

        InetAddress toAddress() {
            return NativeAddress.address(bytes, family);
        }
    }

    static void putKey(Pointer p, long at, ServiceKey key) {
        p.write(at + SVC_KEY_ADDR, NativeAddress.bytes(key.vip()), 0, NativeAddress.SIZE);
        p.setShort(at + SVC_KEY_PORT, network((short) key.port()));
        p.setByte(at + SVC_KEY_PROTO, (byte) key.protocol().number());
        p.setByte(at + SVC_KEY_FAMILY, (byte) NativeAddress.family(key.vip()));
    }

    /** The struct cvs_service_key at p + at. */
    static ServiceKey key(Pointer p, long at) {
        int family = Byte.toUnsignedInt(p.getByte(at + SVC_KEY_FAMILY));
        return new ServiceKey(NativeAddress.address(p.getByteArray(at + SVC_KEY_ADDR, NativeAddress.SIZE), family),
                Short.toUnsignedInt(network(p.getShort(at + SVC_KEY_PORT))),
                Protocol.ofNumber(Byte.toUnsignedInt(p.getByte(at + SVC_KEY_PROTO))));
    }

    /** Network order to host order and back. */
    static short network(short value) {
        return SWAP ? Short.reverseBytes(value) : value;
    }
}
