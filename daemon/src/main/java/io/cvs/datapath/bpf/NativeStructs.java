package io.cvs.datapath.bpf;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Flows;
import io.cvs.datapath.MapIds;
import io.cvs.datapath.ModuleStatus;
import io.cvs.datapath.SocketLbProgram;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.Usage;
import io.cvs.ownership.MapOwner;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The cvsbpf.h structs that cross the boundary on cold calls, as JNA structures: public fields in C order with
 * C names. They are public nested classes only because JNA reads their fields reflectively; the enclosing class
 * keeps them out of the package's API. Structs on the hot path are encoded by {@link CallBuffer} instead.
 */
final class NativeStructs {

    private NativeStructs() {
    }

    /**
     * A structure that tells {@link NativeLayout} its C field names, in order, and their offsets; JNA keeps both
     * protected.
     */
    public abstract static class NativeStruct extends Structure {

        List<String> fieldNames() {
            return getFieldOrder();
        }

        int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    @FieldOrder({ "max_services", "max_backends", "max_members", "table_slots", "affinity_entries",
        "maglev_tables", "maglev_slots", "pad" })
    public static final class CvsCapacity extends NativeStruct {
        public int max_services;
        public int max_backends;
        public int max_members;
        public int table_slots;
        public int affinity_entries;
        public int maglev_tables;
        public int maglev_slots;
        public int pad;

        static CvsCapacity of(Capacity capacity) {
            CvsCapacity c = new CvsCapacity();
            c.max_services = capacity.maxServices();
            c.max_backends = capacity.maxBackends();
            c.max_members = capacity.maxMembers();
            c.table_slots = capacity.tableSlots();
            c.affinity_entries = capacity.affinityEntries();
            c.maglev_tables = capacity.maglevTables();
            c.maglev_slots = capacity.maglevSlots();
            return c;
        }

        Capacity toCapacity() {
            return new Capacity(max_services, max_backends, max_members, table_slots, affinity_entries,
                    maglev_tables, maglev_slots);
        }
    }

    @FieldOrder({ "max", "services", "backends", "maglev_tables", "pad" })
    public static final class CvsUsage extends NativeStruct {
        public CvsCapacity max;
        public int services;
        public int backends;
        public int maglev_tables;
        public int pad;

        Usage toUsage() {
            return new Usage(max.toCapacity(), services, backends, maglev_tables);
        }
    }

    /** cvs_abi.h's struct cvs_owner, the value of the owner record. */
    @FieldOrder({ "journal_id", "applied_seq", "updated_ns", "flags", "pad" })
    public static final class CvsOwner extends NativeStruct {
        public byte[] journal_id = new byte[16];
        public long applied_seq;
        public long updated_ns;
        public int flags;
        public int pad;

        static CvsOwner of(MapOwner owner) {
            CvsOwner out = new CvsOwner();
            out.journal_id = HexFormat.of().parseHex(owner.journalId());
            out.applied_seq = owner.appliedSeq();
            return out;
        }

        MapOwner toOwner() {
            return new MapOwner(HexFormat.of().formatHex(journal_id), applied_seq,
                    Instant.EPOCH.plusNanos(updated_ns));
        }
    }

    /** cvsbpf.h's struct cvs_drift: what one cheap check of the maps, pins and links found. */
    @FieldOrder({ "services", "expected", "missing", "foreign", "differing", "backends", "maglev_tables",
        "pins_missing", "pins_foreign", "sock_links" })
    public static final class CvsDrift extends NativeStruct {
        public int services;
        public int expected;
        public int missing;
        public int foreign;
        public int differing;
        public int backends;
        public int maglev_tables;
        public int pins_missing;
        public int pins_foreign;
        public int sock_links;
    }

    @FieldOrder({ "entries", "fresh", "capacity", "pad" })
    public static final class CvsAffinityUsage extends NativeStruct {
        public int entries;
        public int fresh;
        public int capacity;
        public int pad;

        AffinityUsage toUsage() {
            return new AffinityUsage(Integer.toUnsignedLong(entries), Integer.toUnsignedLong(fresh),
                    Integer.toUnsignedLong(capacity));
        }
    }

    /**
     * Defined in cvs_select.h: who asks for a backend. saddr (__be32[4]) holds the address's network-order bytes,
     * sport network-order bytes as JNA writes a host-order number.
     */
    @FieldOrder({ "netns_cookie", "saddr", "sport", "pad", "pad2" })
    public static final class CvsFlow extends NativeStruct {
        public long netns_cookie;
        public byte[] saddr = new byte[NativeAddress.SIZE];
        public short sport;
        public short pad;
        public int pad2;

        static CvsFlow of(ClientFlow client) {
            CvsFlow flow = new CvsFlow();
            flow.netns_cookie = client.netnsCookie();
            if (client.address() != null) {
                flow.saddr = NativeAddress.bytes(client.address());
            }
            flow.sport = BulkCalls.network((short) client.port());
            return flow;
        }
    }

    @FieldOrder({ "meta", "services", "gen", "select", "members", "backends", "backend_stats", "service_stats",
        "services6", "backends6", "meta2", "policy", "selectable", "maglev", "affinity" })
    public static final class CvsMapIds extends NativeStruct {
        public int meta;
        public int services;
        public int gen;
        public int select;
        public int members;
        public int backends;
        public int backend_stats;
        public int service_stats;
        public int services6;
        public int backends6;
        public int meta2;
        public int policy;
        public int selectable;
        public int maglev;
        public int affinity;

        MapIds toMapIds() {
            return new MapIds(meta, services, gen, select, members, backends, backend_stats, service_stats,
                    services6, backends6, meta2, policy, selectable, maglev, affinity);
        }
    }

    @FieldOrder({ "id", "gen", "slots", "members" })
    public static final class CvsServiceInfo extends NativeStruct {
        public int id;
        public int gen;
        public int slots;
        public int members;
    }

    /**
     * Defined in cvs_select.h. addr (__be32[4]) is read as its sixteen network-order bytes; port holds
     * network-order bytes, which JNA reads as a host-order number.
     */
    @FieldOrder({ "backend_id", "svc_id", "addr", "port", "attempts", "reason", "hash", "pad", "affinity_age" })
    public static final class CvsPick extends NativeStruct {
        public int backend_id;
        public int svc_id;
        public byte[] addr = new byte[NativeAddress.SIZE];
        public short port;
        public short attempts;
        public int reason;
        public int hash;
        public int pad;
        public long affinity_age;

        /** family: the picked service's, which is its backends'. */
        Pick toPick(int family) {
            boolean swapped = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
            short networkPort = swapped ? Short.reverseBytes(port) : port;
            return new Pick(backend_id, svc_id, NativeAddress.address(addr, family),
                    Short.toUnsignedInt(networkPort), Short.toUnsignedInt(attempts), reason(),
                    Integer.toUnsignedLong(hash), affinity_age);
        }

        /** enum cvs_pick_reason: 0 random, 1 Maglev, 2 affinity. */
        private PickedBackend.Reason reason() {
            return switch (reason) {
                case 0 -> PickedBackend.Reason.RANDOM;
                case 1 -> PickedBackend.Reason.MAGLEV;
                case 2 -> PickedBackend.Reason.AFFINITY;
                default -> throw new IllegalStateException("cvs_pick reason " + reason + " is not one Java knows");
            };
        }
    }

    @FieldOrder({ "cgroup_id", "attached", "prog_ids", "link_ids", "pad" })
    public static final class CvsSockStatus extends NativeStruct {
        public long cgroup_id;
        public int attached;
        public int[] prog_ids = new int[SocketLbProgram.values().length];
        public int[] link_ids = new int[SocketLbProgram.values().length];
        public int pad;

        /** C leaves both ids 0 where a program is not attached. */
        SocketLbStatus toStatus() {
            List<SocketLbStatus.ProgramLink> programs = new ArrayList<>();
            for (SocketLbProgram program : SocketLbProgram.values()) {
                int i = program.ordinal();
                if (link_ids[i] != 0) {
                    programs.add(new SocketLbStatus.ProgramLink(program, prog_ids[i], link_ids[i]));
                }
            }
            return new SocketLbStatus(cgroup_id, programs);
        }
    }

    @FieldOrder({ "ids", "bound", "orphaned", "abi_version", "pad", "pad2", "binds", "bind_errors",
        "lookup_errors", "nat_errors" })
    public static final class CvsModuleStatus extends NativeStruct {
        public CvsMapIds ids;
        public int bound;
        public int orphaned;
        public int abi_version;
        public int pad;
        public int pad2;
        public long binds;
        public long bind_errors;
        public long lookup_errors;
        public long nat_errors;

        ModuleStatus toStatus() {
            return new ModuleStatus(true, bound != 0, orphaned != 0, abi_version, bound != 0 ? ids.toMapIds() : null,
                    binds, bind_errors, lookup_errors, nat_errors);
        }
    }

    @FieldOrder({ "mechanism", "reverse", "module_sweep", "pad" })
    public static final class CvsFlowsStatus extends NativeStruct {
        public int mechanism;
        public int reverse;
        public int module_sweep;
        public int pad;

        /** The enums' values in cvsbpf.h order; one C does not know yet reads as the weakest. */
        Flows.Support toSupport() {
            Flows.Mechanism[] mechanisms = Flows.Mechanism.values();
            Flows.ReverseMapping[] reverses = Flows.ReverseMapping.values();
            return new Flows.Support(
                    mechanism >= 0 && mechanism < mechanisms.length ? mechanisms[mechanism] : Flows.Mechanism.NONE,
                    reverse >= 0 && reverse < reverses.length ? reverses[reverse] : Flows.ReverseMapping.LRU,
                    module_sweep != 0);
        }
    }
}
