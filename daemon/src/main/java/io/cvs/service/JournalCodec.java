package io.cvs.service;

import io.cvs.datapath.bpf.Backend;
import io.cvs.datapath.bpf.Protocol;
import io.cvs.datapath.bpf.ServiceKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The payloads of journal records ({@code io.cvs.journal} frames them). Big-endian; a string is Java's modified
 * UTF-8 with a u16 length ({@link DataOutputStream#writeUTF}).
 * <pre>
 * service  = id string, version u64, name string, vip 4 bytes, port u16, protocol u8 (6 TCP, 17 UDP),
 *            backend count u16, per backend (address 4 bytes, port u16, weight u16),
 *            label count u16, per label (key string, value string)
 * CHANGE   = put count u32, service * put count, delete count u32, deleted id string * delete count
 * STATE    = service count u32, service * service count
 * </pre>
 * A CHANGE is one acknowledged write: applying it puts each service (by id, replacing one with that id) and
 * removes each deleted id. Replaying every CHANGE after a STATE in order gives the desired state.
 */
final class JournalCodec {

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

    static byte[] change(Change change) {
        return write(out -> {
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
        return read(payload, in -> {
            List<Service> puts = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                puts.add(readService(in));
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
            out.writeInt(services.size());
            for (Service s : services) {
                writeService(out, s);
            }
        });
    }

    static List<Service> readState(byte[] payload) {
        return read(payload, in -> {
            List<Service> services = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                services.add(readService(in));
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
    }

    private static Service readService(DataInputStream in) throws IOException {
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
        return new Service(id, version, new ServiceDraft(name, key, backends, labels));
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
        T read(DataInputStream in) throws IOException;
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
            T value = reader.read(in);
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
