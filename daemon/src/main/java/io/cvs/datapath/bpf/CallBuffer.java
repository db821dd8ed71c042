package io.cvs.datapath.bpf;

import static io.cvs.datapath.bpf.NativeLayout.*;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * __u32 count at {@link #COUNT}, and an array of keys, backend specs or backend counters from {@link #ARRAY}.
 */
final class CallBuffer {

    private static final int KEY = 0;
    private static final int SERVICE_COUNTERS = 8;
    private static final int COUNT = 24;
    private static final int ARRAY = 32;

    /** Host order, for the fields C declares __u*. */
    private ByteBuffer host;
    /** The same memory in network order, for the fields C declares __be*. */
    private ByteBuffer network;
    private Pointer key;
    private Pointer serviceCounters;
    private Pointer count;
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

    void ensureArray(int arrayBytes) {
        if (ARRAY + arrayBytes > host.capacity()) {
            allocate(arrayBytes);
        }
    }

    void putKey(ServiceKey key) {
        network.putInt(KEY + SVC_KEY_ADDR, toInt(key.vip()));
        network.putShort(KEY + SVC_KEY_PORT, (short) key.port());
        host.put(KEY + SVC_KEY_PROTO, (byte) key.protocol().number());
        host.put(KEY + SVC_KEY_PAD, (byte) 0);
    }

    /** Encodes the backends as struct cvs_backend_spec[n] at {@link #array()}; returns n. */
    int putBackends(List<Backend> backends) {
        int n = backends.size();
        ensureArray(n * BACKEND_SPEC_SIZE);
        int at = ARRAY;
        for (Backend backend : backends) {
            network.putInt(at + BACKEND_SPEC_ADDR, toInt(backend.address()));
            network.putShort(at + BACKEND_SPEC_PORT, (short) backend.port());
            host.putShort(at + BACKEND_SPEC_PAD, (short) 0);
            host.putInt(at + BACKEND_SPEC_WEIGHT, backend.weight());
            at += BACKEND_SPEC_SIZE;
        }
        return n;
    }

    List<Backend> backends(int n) {
        List<Backend> backends = new ArrayList<>(n);
        for (int i = 0, at = ARRAY; i < n; i++, at += BACKEND_SPEC_SIZE) {
            backends.add(new Backend(toAddress(network.getInt(at + BACKEND_SPEC_ADDR)),
                    Short.toUnsignedInt(network.getShort(at + BACKEND_SPEC_PORT)),
                    host.getInt(at + BACKEND_SPEC_WEIGHT)));
        }
        return backends;
    }

    List<ServiceKey> keys(int n) {
        List<ServiceKey> keys = new ArrayList<>(n);
        for (int i = 0, at = ARRAY; i < n; i++, at += SVC_KEY_SIZE) {
            keys.add(new ServiceKey(toAddress(network.getInt(at + SVC_KEY_ADDR)),
                    Short.toUnsignedInt(network.getShort(at + SVC_KEY_PORT)),
                    Protocol.ofNumber(Byte.toUnsignedInt(host.get(at + SVC_KEY_PROTO)))));
        }
        return keys;
    }

    ServiceCounters counters(int n) {
        List<BackendCounters> backends = new ArrayList<>(n);
        for (int i = 0, at = ARRAY; i < n; i++, at += BACKEND_COUNTERS_SIZE) {
            backends.add(new BackendCounters(toAddress(network.getInt(at + BACKEND_COUNTERS_ADDR)),
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
        array = base.share(ARRAY);
    }

    private static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** The address whose network-order bytes, read as a big-endian int, are value. */
    static Inet4Address toAddress(int value) {
        byte[] b = { (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value };
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an IPv4 address", e);
        }
    }
}
