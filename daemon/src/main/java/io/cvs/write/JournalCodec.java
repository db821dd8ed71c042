package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The payloads of journal records ({@code io.cvs.journal} frames them). Big-endian; a string is Java's modified
 * UTF-8 with a u16 length ({@link DataOutputStream#writeUTF}).
 * <pre>
 * payload  = format u8 (2), CHANGE or STATE
 *          | CHANGE or STATE of format 1 (written before health checks; its first byte, the high byte of a u32
 *            count, is always 0, which is how it is told apart)
 * service  = id string, version u64, name string, vip 4 bytes, port u16, protocol u8 (6 TCP, 17 UDP),
 *            backend count u16, per backend (address 4 bytes, port u16, weight u16),
 *            label count u16, per label (key string, value string),
 *            format 2 only: check u8 (0 none, 1 follows), check when 1
 * check    = type u8 (0 TCP, 1 HTTP, 2 HTTPS, 3 UDP), port u16 (0: the backend's), interval ms u32,
 *            timeout ms u32, rise u8, fall u8, initial state u8 (0 UP, 1 DOWN), when all down u8 (0 FAIL_OPEN,
 *            1 FAIL_CLOSED), path string, status min u16, status max u16, send string, expect string
 * CHANGE   = put count u32, service * put count, delete count u32, deleted id string * delete count
 * STATE    = service count u32, service * service count
 * </pre>
 * Enum values are stored by their ordinal in {@link HealthCheck}: append new constants, never reorder.
 * A CHANGE is one acknowledged write: applying it puts each service (by id, replacing one with that id) and
 * removes each deleted id. Replaying every CHANGE after a STATE in order gives the desired state.
 */
public final class JournalCodec {

    private JournalCodec() {
    }

    /** One write: the services it puts and the ids it deletes. */
    record Change(List<Service> puts, List<String> deletes) {

        static Change between(Collection<Service> before, Collection<Service> after) {
            Map<String, Service> old = new TreeMap<>();
            before.forEach(s -> old.put(s.id(), s));
            List<Service> puts = new ArrayList<>();
            for (Service s : after) {
                if (old.remove(s.id()) != s) {
                    puts.add(s);
                }
            }
            return new Change(puts, List.copyOf(old.keySet()));
        }

        void applyTo(Map<String, Service> state) {
            deletes.forEach(state::remove);
            puts.forEach(s -> state.put(s.id(), s));
        }
    }

    /** The format written now; see the class comment for the one still read. */
    static final int FORMAT = 2;

    static byte[] change(Change change) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeInt(change.puts().size());
            for (Service s : change.puts()) {
                writeService(out, s);
            }
            out.writeInt(change.deletes().size());
            for (String id : change.deletes()) {
                out.writeUTF(id);
            }
        });
    }

    static Change readChange(byte[] payload) {
        return read(payload, (in, format) -> {
            List<Service> puts = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                puts.add(readService(in, format));
            }
            List<String> deletes = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                deletes.add(in.readUTF());
            }
            return new Change(puts, deletes);
        });
    }

    static byte[] state(Collection<Service> services) {
        return write(out -> {
            out.writeByte(FORMAT);
            out.writeInt(services.size());
            for (Service s : services) {
                writeService(out, s);
            }
        });
    }

    static List<Service> readState(byte[] payload) {
        return read(payload, (in, format) -> {
            List<Service> services = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                services.add(readService(in, format));
            }
            return services;
        });
    }

    private static void writeService(DataOutputStream out, Service s) throws IOException {
        ServiceKey key = s.key();
        out.writeUTF(s.id());
        out.writeLong(s.version());
        out.writeUTF(s.name());
        out.write(key.vip().getAddress());
        out.writeShort(key.port());
        out.writeByte(key.protocol().number());
        out.writeShort(s.backends().size());
        for (Backend b : s.backends()) {
            out.write(b.address().getAddress());
            out.writeShort(b.port());
            out.writeShort(b.weight());
        }
        out.writeShort(s.content().labels().size());
        for (Map.Entry<String, String> label : s.content().labels().entrySet()) {
            out.writeUTF(label.getKey());
            out.writeUTF(label.getValue());
        }
        HealthCheck check = s.content().healthCheck();
        out.writeByte(check == null ? 0 : 1);
        if (check != null) {
            writeCheck(out, check);
        }
    }

    private static void writeCheck(DataOutputStream out, HealthCheck check) throws IOException {
        out.writeByte(check.type().ordinal());
        out.writeShort(check.port());
        out.writeInt((int) check.interval().toMillis());
        out.writeInt((int) check.timeout().toMillis());
        out.writeByte(check.rise());
        out.writeByte(check.fall());
        out.writeByte(check.initialState().ordinal());
        out.writeByte(check.whenAllDown().ordinal());
        out.writeUTF(check.path());
        out.writeShort(check.statusMin());
        out.writeShort(check.statusMax());
        out.writeUTF(check.send());
        out.writeUTF(check.expect());
    }

    private static HealthCheck readCheck(DataInputStream in) throws IOException {
        return new HealthCheck(constant(HealthCheck.Type.class, in.readUnsignedByte()), in.readUnsignedShort(),
                Duration.ofMillis(in.readInt()), Duration.ofMillis(in.readInt()), in.readUnsignedByte(),
                in.readUnsignedByte(), constant(HealthCheck.InitialState.class, in.readUnsignedByte()),
                constant(HealthCheck.WhenAllDown.class, in.readUnsignedByte()), in.readUTF(),
                in.readUnsignedShort(), in.readUnsignedShort(), in.readUTF(), in.readUTF());
    }

    private static <E extends Enum<E>> E constant(Class<E> kind, int ordinal) throws IOException {
        E[] constants = kind.getEnumConstants();
        if (ordinal >= constants.length) {
            throw new IOException(kind.getSimpleName() + " " + ordinal + " is not one this daemon knows");
        }
        return constants[ordinal];
    }

    private static Service readService(DataInputStream in, int format) throws IOException {
        String id = in.readUTF();
        long version = in.readLong();
        String name = in.readUTF();
        ServiceKey key = new ServiceKey(address(in), in.readUnsignedShort(), protocol(in.readUnsignedByte()));
        List<Backend> backends = new ArrayList<>();
        for (int i = in.readUnsignedShort(); i > 0; i--) {
            backends.add(new Backend(address(in), in.readUnsignedShort(), in.readUnsignedShort()));
        }
        TreeMap<String, String> labels = new TreeMap<>();
        for (int i = in.readUnsignedShort(); i > 0; i--) {
            labels.put(in.readUTF(), in.readUTF());
        }
        HealthCheck check = format >= 2 && in.readUnsignedByte() == 1 ? readCheck(in) : null;
        return new Service(id, version, new ServiceConfig(name, key, backends, labels, check));
    }

    private static Inet4Address address(DataInputStream in) throws IOException {
        byte[] bytes = new byte[4];
        in.readFully(bytes);
        return (Inet4Address) InetAddress.getByAddress(bytes);
    }

    private static Protocol protocol(int number) throws IOException {
        for (Protocol p : Protocol.values()) {
            if (p.number() == number) {
                return p;
            }
        }
        throw new IOException("IP protocol " + number + " is not one a service can have");
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in, int format) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a payload whose checksum matched; one that still does not parse is a bug or a foreign writer. */
    private static <T> T read(byte[] payload, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int format = payload.length > 0 && payload[0] != 0 ? in.readUnsignedByte() : 1;
            if (format > FORMAT) {
                throw new IOException("format " + format + " is newer than this daemon's (" + FORMAT + ")");
            }
            T value = reader.read(in, format);
            if (in.available() > 0) {
                throw new IOException(in.available() + " bytes left over");
            }
            return value;
        } catch (IOException e) {
            throw new IllegalStateException("A journal record with a valid checksum does not decode: " + e.getMessage(),
                    e);
        }
    }
}
