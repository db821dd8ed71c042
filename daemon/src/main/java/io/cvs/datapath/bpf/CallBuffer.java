package io.cvs.datapath.bpf;

import static io.cvs.datapath.bpf.NativeLayout.*;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.selection.Scheduler;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One reused block of native memory that the hot calls pass to C, encoded with explicit offsets from
 * {@link NativeLayout}: no per-element reflection and no allocation per call once it is large enough.
 * Not thread-safe; its {@link MapSet} serialises the calls that use it.
 *
 * <p>Layout: a service key at {@link #KEY}, one struct cvs_service_counters at {@link #SERVICE_COUNTERS}, a
 * __u32 count at {@link #COUNT}, one struct cvs_service_policy at {@link #POLICY}, and an array of keys, backend specs or backend counters from {@link #ARRAY}.
 */
final class CallBuffer {

    private static final int KEY = 0;
    /** After the 20-byte key, aligned for the __u64 counters. */
    private static final int SERVICE_COUNTERS = 24;
    private static final int COUNT = 40;
    /** One struct cvs_service_policy, after the count. */
    private static final int POLICY = 44;
    private static final int ARRAY = 64;

    /** Host order, for the fields C declares __u*. */
    private ByteBuffer host;
    /** The same memory in network order, for the fields C declares __be*. */
    private ByteBuffer network;
    private Pointer key;
    private Pointer serviceCounters;
    private Pointer count;
    private Pointer policy;
    private Pointer array;

    CallBuffer(int arrayBytes) {
        allocate(arrayBytes);
    }

    Pointer key() {
        return key;
    }

    Pointer serviceCounters() {
        return serviceCounters;
    }

    Pointer count() {
        return count;
    }

    Pointer array() {
        return array;
    }

    Pointer policy() {
        return policy;
    }

    /** The policy as struct cvs_service_policy at {@link #policy()}. */
    void putPolicy(SelectionPolicy selection) {
        putPolicy(host, POLICY, selection);
    }

    /** The struct cvs_service_policy at {@link #policy()}, as C wrote it. */
    SelectionPolicy policyValue() {
        int flags = host.getInt(POLICY + SERVICE_POLICY_FLAGS);
        int slots = host.getInt(POLICY + SERVICE_POLICY_MAGLEV_SLOTS);
        return new SelectionPolicy((flags & POLICY_F_MAGLEV) != 0 ? Scheduler.MAGLEV : Scheduler.RANDOM,
                (flags & POLICY_F_MAGLEV) != 0 ? slots : 0,
                (flags & POLICY_F_AFFINITY) != 0 ? host.getInt(POLICY + SERVICE_POLICY_AFFINITY_TIMEOUT) : 0);
    }

    /** Encodes selection as struct cvs_service_policy at buffer + at (bulk calls use it for their arrays too). */
    static void putPolicy(ByteBuffer buffer, int at, SelectionPolicy selection) {
        int flags = (selection.isMaglev() ? POLICY_F_MAGLEV : 0) | (selection.hasAffinity() ? POLICY_F_AFFINITY : 0);
        buffer.putInt(at + SERVICE_POLICY_FLAGS, flags);
        buffer.putInt(at + SERVICE_POLICY_AFFINITY_TIMEOUT, selection.affinityTimeoutSeconds());
        buffer.putInt(at + SERVICE_POLICY_MAGLEV_SLOTS, selection.maglevTableSize());
        buffer.putInt(at + SERVICE_POLICY_PAD, 0);
    }

    void ensureArray(int arrayBytes) {
        if (ARRAY + arrayBytes > host.capacity()) {
            allocate(arrayBytes);
        }
    }

    /** The key as struct cvs_service_key at {@link #key()}. */
    void putKey(ServiceKey key) {
        host.put(KEY + SVC_KEY_ADDR, NativeAddress.bytes(key.vip()));
        network.putShort(KEY + SVC_KEY_PORT, (short) key.port());
        host.put(KEY + SVC_KEY_PROTO, (byte) key.protocol().number());
        host.put(KEY + SVC_KEY_FAMILY, (byte) NativeAddress.family(key.vip()));
    }

    /**
     * Encodes the backends of key's service as struct cvs_backend_spec[n] at {@link #array()}; returns n. C takes
     * every backend in the key's family, so one of the other family is refused here rather than misread there.
     */
    int putBackends(ServiceKey key, List<Backend> backends) {
        key.otherFamily(backends).ifPresent(b -> {
            throw new IllegalArgumentException("backend " + b + " is not of the family of service " + key);
        });
        int n = backends.size();
        ensureArray(n * BACKEND_SPEC_SIZE);
        int at = ARRAY;
        for (Backend backend : backends) {
            host.put(at + BACKEND_SPEC_ADDR, NativeAddress.bytes(backend.address()));
            network.putShort(at + BACKEND_SPEC_PORT, (short) backend.port());
            host.putShort(at + BACKEND_SPEC_FLAGS, backend.down() ? MEMBER_F_DOWN : 0);
            host.putInt(at + BACKEND_SPEC_WEIGHT, backend.weight());
            at += BACKEND_SPEC_SIZE;
        }
        return n;
    }

    /** n backends of a service of the family, as struct cvs_backend_spec[n] at {@link #array()}. */
    List<Backend> backends(int n, int family) {
        List<Backend> backends = new ArrayList<>(n);
        for (int i = 0, at = ARRAY; i < n; i++, at += BACKEND_SPEC_SIZE) {
            backends.add(new Backend(address(at + BACKEND_SPEC_ADDR, family),
                    Short.toUnsignedInt(network.getShort(at + BACKEND_SPEC_PORT)),
                    host.getInt(at + BACKEND_SPEC_WEIGHT),
                    (host.getShort(at + BACKEND_SPEC_FLAGS) & MEMBER_F_DOWN) != 0));
        }
        return backends;
    }

    List<ServiceKey> keys(int n) {
        List<ServiceKey> keys = new ArrayList<>(n);
        for (int i = 0, at = ARRAY; i < n; i++, at += SVC_KEY_SIZE) {
            int family = Byte.toUnsignedInt(host.get(at + SVC_KEY_FAMILY));
            keys.add(new ServiceKey(address(at + SVC_KEY_ADDR, family),
                    Short.toUnsignedInt(network.getShort(at + SVC_KEY_PORT)),
                    Protocol.ofNumber(Byte.toUnsignedInt(host.get(at + SVC_KEY_PROTO)))));
        }
        return keys;
    }

    /** The counters of a service of the family with n members, at {@link #serviceCounters()} and the array. */
    ServiceCounters counters(int n, int family) {
        List<BackendCounters> backends = new ArrayList<>(n);
        for (int i = 0, at = ARRAY; i < n; i++, at += BACKEND_COUNTERS_SIZE) {
            backends.add(new BackendCounters(address(at + BACKEND_COUNTERS_ADDR, family),
                    Short.toUnsignedInt(network.getShort(at + BACKEND_COUNTERS_PORT)),
                    host.getLong(at + BACKEND_COUNTERS_CONNS),
                    host.getLong(at + BACKEND_COUNTERS_PACKETS),
                    host.getLong(at + BACKEND_COUNTERS_BYTES)));
        }
        return new ServiceCounters(host.getLong(SERVICE_COUNTERS + SERVICE_COUNTERS_REFUSED),
                host.getLong(SERVICE_COUNTERS + SERVICE_COUNTERS_RETRIED), backends);
    }

    int countValue() {
        return host.getInt(COUNT);
    }

    private void allocate(int arrayBytes) {
        // the old buffer, if any, is freed by the GC: nothing in C keeps a pointer to it after a call
        host = ByteBuffer.allocateDirect(ARRAY + arrayBytes).order(ByteOrder.nativeOrder());
        network = host.duplicate().order(ByteOrder.BIG_ENDIAN);
        Pointer base = Native.getDirectBufferPointer(host);
        key = base.share(KEY);
        serviceCounters = base.share(SERVICE_COUNTERS);
        count = base.share(COUNT);
        policy = base.share(POLICY);
        array = base.share(ARRAY);
    }

    private InetAddress address(int at, int family) {
        byte[] sixteen = new byte[NativeAddress.SIZE];
        host.get(at, sixteen);
        return NativeAddress.address(sixteen, family);
    }
}
