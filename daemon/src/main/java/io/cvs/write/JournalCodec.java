package io.cvs.write;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.selection.Affinity;
import io.cvs.selection.Scheduler;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.HostSelector;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The payloads of journal records ({@code io.cvs.journal} frames them). Big-endian; a string is Java's modified
 * UTF-8 with a u16 length ({@link DataOutputStream#writeUTF}).
 * <pre>
 * payload  = format u8 (6), CHANGE or STATE, then revision u64 (the fleet store's revision the record brings this
 *            host to; 0: not from the fleet)
 *          | format u8 (5), CHANGE or STATE (written still when format 6 would add nothing: no service names its
 *            hosts and the record is not from the fleet, so a daemon before format 6 reads it)
 *          | format u8 (4), CHANGE or STATE (written before selection policies: every service RANDOM, no affinity)
 *          | format u8 (3), CHANGE or STATE (written before the removal policy: every service KEEPs)
 *          | format u8 (2), CHANGE or STATE (written before IPv6: every address is IPv4, 4 bytes)
 *          | CHANGE or STATE of format 1 (written before health checks; its first byte, the high byte of a u32
 *            count, is always 0, which is how it is told apart)
 * service  = id string, version u64, name string, vip address, port u16, protocol u8 (6 TCP, 17 UDP),
 *            backend count u16, per backend (address, port u16, weight u16),
 *            label count u16, per label (key string, value string),
 *            format 2 and later: check u8 (0 none, 1 follows; nothing else), check when 1,
 *            format 4 and later: on backend removal u8 (code: 0 KEEP, 1 RESET),
 *            format 5 and later: scheduler u8 (code: 0 RANDOM, 1 MAGLEV), Maglev table size u32 (0 unless MAGLEV),
 *            affinity u8 (code: 0 NONE, 1 CLIENT_IP), affinity timeout s u32 (0 unless CLIENT_IP),
 *            format 6 and later: host label count u16 (0: every host), per label (key string, value string)
 * address  = format 3: family u8 (4: 4 bytes follow, 6: 16 bytes follow; nothing else)
 *          | formats 1 and 2: 4 bytes, IPv4
 * check    = type u8 (code: 0 TCP, 1 HTTP, 2 HTTPS, 3 UDP), port u16 (0: the backend's), interval ms u32,
 *            timeout ms u32, rise u8, fall u8, initial state u8 (code: 0 UP, 1 DOWN), when all down u8
 *            (code: 0 FAIL_OPEN, 1 FAIL_CLOSED), path string, status min u16, status max u16, send string,
 *            expect string
 * CHANGE   = put count u32, service * put count, delete count u32, deleted id string * delete count
 * STATE    = service count u32, service * service count
 * </pre>
 * Enum values are stored as the explicit codes above ({@link #TYPES}, {@link #INITIAL_STATES},
 * {@link #WHEN_ALL_DOWN}, {@link #ON_BACKEND_REMOVAL}, {@link #SCHEDULERS}, {@link #AFFINITIES}; a protocol as its IP protocol number), never by ordinal, so reordering or renaming a
 * constant changes no journal. A code keeps its meaning forever: a new constant takes an unused code, and a reader
 * refuses a code it does not know instead of guessing.
 * A CHANGE is one acknowledged write: applying it puts each service (by id, replacing one with that id) and
 * removes each deleted id. Replaying every CHANGE after a STATE in order gives the desired state; the last
 * non-zero revision among them is the fleet revision this host applied (a restart watches the store from the next).
 */
public final class JournalCodec {

    private JournalCodec() {
    }

    /** One write: the services it puts, the ids it deletes, and the fleet revision it applies (0: none). */
    record Change(List<Service> puts, List<String> deletes, long revision) {

        Change(List<Service> puts, List<String> deletes) {
            this(puts, deletes, 0);
        }

        static Change between(Collection<Service> before, Collection<Service> after) {
            Map<String, Service> old = new TreeMap<>();
            before.forEach(s -> old.put(s.id(), s));
            List<Service> puts = new ArrayList<>();
            for (Service s : after) {
                if (old.remove(s.id()) != s) {
                    puts.add(s);
                }
            }
            return new Change(puts, List.copyOf(old.keySet()), 0);
        }

        void applyTo(Map<String, Service> state) {
            deletes.forEach(state::remove);
            puts.forEach(s -> state.put(s.id(), s));
        }
    }

    /** The format written for what every earlier daemon of format 5 can read; see the class comment. */
    static final int FORMAT = 5;
    /** The format written when a service names its hosts or the record carries a fleet revision. */
    static final int FLEET_FORMAT = 6;

    /** The first format whose addresses carry their family. */
    private static final int FAMILY_TAGGED = 3;
    /** The first format that records each service's {@link OnBackendRemoval}; before it, every service kept. */
    private static final int REMOVAL_POLICY = 4;
    /** The first format that records each service's {@link SelectionPolicy}; before it, RANDOM without affinity. */
    private static final int SELECTION_POLICY = 5;
    private static final int IPV4 = 4;
    private static final int IPV6 = 6;

    /** The byte before a service's check in format 2: whether one follows. */
    private static final int NO_CHECK = 0;
    private static final int CHECK_FOLLOWS = 1;

    // The codes of the class comment. A switch without default: a new constant does not compile without a code.

    static final Codes<HealthCheck.Type> TYPES = new Codes<>("health check type", HealthCheck.Type.class,
            type -> switch (type) {
                case TCP -> 0;
                case HTTP -> 1;
                case HTTPS -> 2;
                case UDP -> 3;
            });

    static final Codes<HealthCheck.InitialState> INITIAL_STATES = new Codes<>("health check initial state",
            HealthCheck.InitialState.class, state -> switch (state) {
                case UP -> 0;
                case DOWN -> 1;
            });

    static final Codes<HealthCheck.WhenAllDown> WHEN_ALL_DOWN = new Codes<>("health check when-all-down",
            HealthCheck.WhenAllDown.class, whenAllDown -> switch (whenAllDown) {
                case FAIL_OPEN -> 0;
                case FAIL_CLOSED -> 1;
            });

    static final Codes<OnBackendRemoval> ON_BACKEND_REMOVAL = new Codes<>("on backend removal",
            OnBackendRemoval.class, policy -> switch (policy) {
                case KEEP -> 0;
                case RESET -> 1;
            });

    static final Codes<Scheduler> SCHEDULERS = new Codes<>("scheduler", Scheduler.class,
            scheduler -> switch (scheduler) {
                case RANDOM -> 0;
                case MAGLEV -> 1;
            });

    static final Codes<Affinity> AFFINITIES = new Codes<>("session affinity", Affinity.class,
            affinity -> switch (affinity) {
                case NONE -> 0;
                case CLIENT_IP -> 1;
            });

    /**
     * The u8 each constant of an enum is stored as, and back. Built once per enum, refusing two constants with one
     * code or a code that is not a u8, so a mistake in a table stops the daemon at start, not a restore later.
     */
    static final class Codes<E extends Enum<E>> {

        private final String field;
        private final Map<E, Integer> codes;
        private final Map<Integer, E> constants = new HashMap<>();

        Codes(String field, Class<E> kind, ToIntFunction<E> code) {
            this.field = field;
            this.codes = new EnumMap<>(kind);
            for (E constant : kind.getEnumConstants()) {
                int c = code.applyAsInt(constant);
                if (c < 0 || c > 255) {
                    throw new IllegalStateException(field + " " + constant + " has code " + c + ", not a u8");
                }
                E taken = constants.putIfAbsent(c, constant);
                if (taken != null) {
                    throw new IllegalStateException(field + " code " + c + " is both " + taken + " and " + constant);
                }
                codes.put(constant, c);
            }
        }

        int code(E constant) {
            return codes.get(constant);
        }

        E constant(int code) throws IOException {
            E constant = constants.get(code);
            if (constant == null) {
                throw new IOException(field + " " + code + " is not one this daemon knows");
            }
            return constant;
        }
    }

    /** The whole desired state at a fleet revision (0: none). */
    record State(List<Service> services, long revision) {
    }

    private static int formatFor(Collection<Service> services, long revision) {
        return revision != 0 || services.stream().anyMatch(s -> !s.content().hosts().isAll()) ? FLEET_FORMAT
                : FORMAT;
    }

    static byte[] change(Change change) {
        int format = formatFor(change.puts(), change.revision());
        return write(out -> {
            out.writeByte(format);
            out.writeInt(change.puts().size());
            for (Service s : change.puts()) {
                writeService(out, s, format);
            }
            out.writeInt(change.deletes().size());
            for (String id : change.deletes()) {
                out.writeUTF(id);
            }
            if (format >= FLEET_FORMAT) {
                out.writeLong(change.revision());
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
            return new Change(puts, deletes, format >= FLEET_FORMAT ? in.readLong() : 0);
        });
    }

    static byte[] state(Collection<Service> services) {
        return state(services, 0);
    }

    static byte[] state(Collection<Service> services, long revision) {
        int format = formatFor(services, revision);
        return write(out -> {
            out.writeByte(format);
            out.writeInt(services.size());
            for (Service s : services) {
                writeService(out, s, format);
            }
            if (format >= FLEET_FORMAT) {
                out.writeLong(revision);
            }
        });
    }

    static List<Service> readState(byte[] payload) {
        return readStateAndRevision(payload).services();
    }

    static State readStateAndRevision(byte[] payload) {
        return read(payload, (in, format) -> {
            List<Service> services = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                services.add(readService(in, format));
            }
            return new State(services, format >= FLEET_FORMAT ? in.readLong() : 0);
        });
    }

    private static void writeService(DataOutputStream out, Service s, int format) throws IOException {
        ServiceKey key = s.key();
        out.writeUTF(s.id());
        out.writeLong(s.version());
        out.writeUTF(s.name());
        writeAddress(out, key.vip());
        out.writeShort(key.port());
        out.writeByte(key.protocol().number());
        out.writeShort(s.backends().size());
        for (Backend b : s.backends()) {
            writeAddress(out, b.address());
            out.writeShort(b.port());
            out.writeShort(b.weight());
        }
        writeLabels(out, s.content().labels());
        HealthCheck check = s.content().healthCheck();
        out.writeByte(check == null ? NO_CHECK : CHECK_FOLLOWS);
        if (check != null) {
            writeCheck(out, check);
        }
        out.writeByte(ON_BACKEND_REMOVAL.code(s.content().onBackendRemoval()));
        SelectionPolicy selection = s.content().selection();
        out.writeByte(SCHEDULERS.code(selection.scheduler()));
        out.writeInt(selection.maglevTableSize());
        out.writeByte(AFFINITIES.code(selection.affinity()));
        out.writeInt(selection.affinityTimeoutSeconds());
        if (format >= FLEET_FORMAT) {
            writeLabels(out, s.content().hosts().matchLabels());
        }
    }

    private static void writeLabels(DataOutputStream out, Map<String, String> labels) throws IOException {
        out.writeShort(labels.size());
        for (Map.Entry<String, String> label : labels.entrySet()) {
            out.writeUTF(label.getKey());
            out.writeUTF(label.getValue());
        }
    }

    private static TreeMap<String, String> readLabels(DataInputStream in) throws IOException {
        TreeMap<String, String> labels = new TreeMap<>();
        for (int i = in.readUnsignedShort(); i > 0; i--) {
            labels.put(in.readUTF(), in.readUTF());
        }
        return labels;
    }

    /** A policy as format 5 writes it; refused, naming what, when it is not one the API could have accepted. */
    private static SelectionPolicy readSelection(DataInputStream in) throws IOException {
        Scheduler scheduler = SCHEDULERS.constant(in.readUnsignedByte());
        int tableSize = in.readInt();
        Affinity affinity = AFFINITIES.constant(in.readUnsignedByte());
        int timeout = in.readInt();
        if ((affinity == Affinity.CLIENT_IP) != (timeout > 0)) {
            throw new IOException("session affinity " + affinity + " with timeout " + timeout);
        }
        SelectionPolicy selection = new SelectionPolicy(scheduler, tableSize, timeout);
        if (selection.problem().isPresent()) {
            throw new IOException(selection.problem().get());
        }
        return selection;
    }

    private static void writeCheck(DataOutputStream out, HealthCheck check) throws IOException {
        out.writeByte(TYPES.code(check.type()));
        out.writeShort(check.port());
        out.writeInt((int) check.interval().toMillis());
        out.writeInt((int) check.timeout().toMillis());
        out.writeByte(check.rise());
        out.writeByte(check.fall());
        out.writeByte(INITIAL_STATES.code(check.initialState()));
        out.writeByte(WHEN_ALL_DOWN.code(check.whenAllDown()));
        out.writeUTF(check.path());
        out.writeShort(check.statusMin());
        out.writeShort(check.statusMax());
        out.writeUTF(check.send());
        out.writeUTF(check.expect());
    }

    private static HealthCheck readCheck(DataInputStream in) throws IOException {
        return new HealthCheck(TYPES.constant(in.readUnsignedByte()), in.readUnsignedShort(),
                Duration.ofMillis(in.readInt()), Duration.ofMillis(in.readInt()), in.readUnsignedByte(),
                in.readUnsignedByte(), INITIAL_STATES.constant(in.readUnsignedByte()),
                WHEN_ALL_DOWN.constant(in.readUnsignedByte()), in.readUTF(),
                in.readUnsignedShort(), in.readUnsignedShort(), in.readUTF(), in.readUTF());
    }

    private static HealthCheck readOptionalCheck(DataInputStream in) throws IOException {
        int flag = in.readUnsignedByte();
        return switch (flag) {
            case NO_CHECK -> null;
            case CHECK_FOLLOWS -> readCheck(in);
            default -> throw new IOException("health check flag " + flag + " is not one this daemon knows (0 none, "
                    + "1 follows)");
        };
    }

    private static Service readService(DataInputStream in, int format) throws IOException {
        String id = in.readUTF();
        long version = in.readLong();
        String name = in.readUTF();
        ServiceKey key = new ServiceKey(address(in, format), in.readUnsignedShort(),
                protocol(in.readUnsignedByte()));
        List<Backend> backends = new ArrayList<>();
        for (int i = in.readUnsignedShort(); i > 0; i--) {
            backends.add(new Backend(address(in, format), in.readUnsignedShort(), in.readUnsignedShort()));
        }
        TreeMap<String, String> labels = readLabels(in);
        HealthCheck check = format >= 2 ? readOptionalCheck(in) : null;
        OnBackendRemoval policy = format >= REMOVAL_POLICY ? ON_BACKEND_REMOVAL.constant(in.readUnsignedByte())
                : OnBackendRemoval.KEEP;
        SelectionPolicy selection = format >= SELECTION_POLICY ? readSelection(in) : SelectionPolicy.DEFAULT;
        HostSelector hosts = format >= FLEET_FORMAT ? HostSelector.matching(readLabels(in)) : HostSelector.ALL;
        return new Service(id, version, new ServiceConfig(name, key, backends, labels, check, policy, selection,
                hosts));
    }

    private static void writeAddress(DataOutputStream out, InetAddress address) throws IOException {
        out.writeByte(IpAddresses.isIpv6(address) ? IPV6 : IPV4);
        out.write(address.getAddress());
    }

    private static InetAddress address(DataInputStream in, int format) throws IOException {
        int family = format >= FAMILY_TAGGED ? in.readUnsignedByte() : IPV4;
        byte[] bytes = switch (family) {
            case IPV4 -> new byte[4];
            case IPV6 -> new byte[16];
            default -> throw new IOException("address family " + family + " is not one this daemon knows (4, 6)");
        };
        in.readFully(bytes);
        // IpAddresses keeps sixteen bytes IPv6 even when they are IPv4-mapped
        return IpAddresses.address(bytes);
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
            if (format > FLEET_FORMAT) {
                throw new IOException("format " + format + " is newer than this daemon's (" + FLEET_FORMAT + ")");
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
