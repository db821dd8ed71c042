package io.cvs.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.BpfDaemonHome;
import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.BpfEnvironment;
import io.cvs.testing.Bpftool;
import io.cvs.write.ServiceRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drift on real maps: entries deleted and altered with bpftool and a service written behind the registry's back.
 * The next reconcile puts back exactly the desired state, counts what it did, and leaves alone what matched.
 * Needs root and BPF (skips loudly without, fails in CI).
 */
class ReconcileOnBpfTest {

    /** With 4 Maglev regions of 31 slots: small enough to dump with bpftool. */
    private static final Capacity SMALL = new Capacity(8, 32, 4, 16, 64, 4, 31);
    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-reconcile";

    private Path pinDir;
    private Path cgroup;
    private BpfDatapath datapath;
    private Journal journal;
    private ServiceRegistry registry;

    @BeforeEach
    void start() throws Exception {
        BpfEnvironment.require();
        pinDir = BpfDaemonHome.pinDir(NAME);
        cgroup = BpfDaemonHome.createCgroup(NAME);
        datapath = BpfDatapath.open(pinDir, SMALL, cgroup);
        journal = TestJournals.open("reconcile-bpf");
        registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (registry != null) {
                registry.close();
            }
            if (journal != null) {
                journal.close();
            }
            if (datapath != null) {
                datapath.close();
            }
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    @Test
    void reconcileRepairsDeletedAlteredAndForeignEntriesAndCountsThem() throws Exception {
        Service web = registry.create(config("web", "192.0.2.10", "10.1.0.1", 3, "10.1.0.2", 1));
        Service api = registry.create(config("api", "192.0.2.11", "10.2.0.1", 1, "10.2.0.2", 1));
        Service dns = registry.create(config("dns", "192.0.2.12", "10.3.0.1", 1));
        Service db = registry.create(config("db", "192.0.2.13", "10.4.0.1", 1));
        ServiceKey foreign = config("stale", "192.0.2.99", "10.9.0.1", 1).key();
        Map<String, String> dbBefore = entriesOf(db);

        Bpftool.delete(pinDir.resolve("cvs_svc_v1"), Bpftool.serviceEntryKey(pinDir, serviceId(web.key())));
        alterFirstSlot(api);
        alterBackendPort(dns);
        datapath.apply(foreign, List.of(new Backend(ip("10.9.0.1"), 80, 1)));

        ReconcileResult result = registry.reconcile();

        assertThat(result.added()).as("web, deleted").isEqualTo(1);
        assertThat(result.fixed()).as("api's slot and dns's backend, altered").isEqualTo(2);
        assertThat(result.removed()).as("the service nobody asked for").isEqualTo(1);
        assertThat(result.unchanged()).as("db").isEqualTo(1);
        assertThat(result.failed()).isZero();
        for (Service s : List.of(web, api, dns, db)) {
            assertThat(datapath.backends(s.key())).as(s.name()).contains(s.backends());
            assertThat(datapath.consistent(s.key())).as(s.name()).isTrue();
        }
        assertThat(datapath.services()).containsExactlyInAnyOrder(web.key(), api.key(), dns.key(), db.key());
        assertThat(datapath.status().usage().backends()).as("no backend id leaked").isEqualTo(6);
        assertThat(entriesOf(db)).as("a matching service is not rewritten").isEqualTo(dbBefore);
        assertThat(registry.reconcile().changed()).as("a second reconcile finds nothing").isZero();
    }

    /**
     * cvs_services_check_policy in the reconcile: a policy rewritten behind the registry's back, a policy entry
     * altered with bpftool and a Maglev table entry altered with bpftool are each repaired, and a matching MAGLEV
     * service is left as it is.
     */
    @Test
    void reconcileRepairsPoliciesAndMaglevTablesThatDifferFromTheDesiredOnes() throws Exception {
        SelectionPolicy maglev = SelectionPolicy.maglev(13);
        Service web = registry.create(config("web", "192.0.2.10", "10.1.0.1", 3, "10.1.0.2", 1).withSelection(maglev));
        Service api = registry.create(config("api", "192.0.2.11", "10.2.0.1", 1)
                .withSelection(SelectionPolicy.DEFAULT.withAffinity(60)));
        Service dns = registry.create(config("dns", "192.0.2.12", "10.3.0.1", 1, "10.3.0.2", 1).withSelection(maglev));
        Service db = registry.create(config("db", "192.0.2.13", "10.4.0.1", 1).withSelection(maglev));
        Map<String, String> dbBefore = entriesOf(db);

        datapath.apply(web.key(), web.backends(), SelectionPolicy.DEFAULT);
        alterPolicyTimeout(api, 99);
        alterFirstMaglevSlot(dns);

        ReconcileResult result = registry.reconcile();

        assertThat(result.fixed()).as("web's policy, api's timeout, dns's table").isEqualTo(3);
        assertThat(result.unchanged()).as("db").isEqualTo(1);
        for (Service s : List.of(web, api, dns, db)) {
            assertThat(datapath.policy(s.key())).as(s.name()).contains(s.content().selection());
            assertThat(datapath.consistent(s.key())).as(s.name()).isTrue();
        }
        assertThat(entriesOf(db)).as("a matching service is not rewritten").isEqualTo(dbBefore);
        assertThat(registry.reconcile().changed()).as("a second reconcile finds nothing").isZero();
    }

    /** The service's policy in its current half (cvs_pol_v1: flags, affinity_timeout, maglev_index, maglev_slots). */
    private byte[] policyEntry(int id) throws Exception {
        int index = id * 2 + currentHalf(id);
        return Bpftool.dump(pinDir.resolve("cvs_pol_v1")).stream()
                .filter(e -> Bpftool.u32(e.key()) == index).findFirst().orElseThrow().value();
    }

    private void alterPolicyTimeout(Service service, int seconds) throws Exception {
        int id = serviceId(service.key());
        byte[] policy = policyEntry(id);
        ByteBuffer.wrap(policy).order(ByteOrder.LITTLE_ENDIAN).putInt(4, seconds);
        Bpftool.update(pinDir.resolve("cvs_pol_v1"), Bpftool.u32Key(id * 2 + currentHalf(id)), policy);
    }

    /** Slot 0 of the service's Maglev table in its current half, set to a backend id no service has. */
    private void alterFirstMaglevSlot(Service service) throws Exception {
        int id = serviceId(service.key());
        int region = ByteBuffer.wrap(policyEntry(id)).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        int slot0 = (region * 2 + currentHalf(id)) * SMALL.maglevSlots();
        Bpftool.update(pinDir.resolve("cvs_maglev_v1"), Bpftool.u32Key(slot0), Bpftool.u32Key(SMALL.maxBackends() - 1));
    }

    private int currentHalf(int id) throws Exception {
        byte[] word = Bpftool.dump(pinDir.resolve("cvs_gen_v1")).stream().filter(e -> Bpftool.u32(e.key()) == id)
                .findFirst().orElseThrow().value();
        return Bpftool.u32(word) & 1;
    }

    private static ServiceConfig config(String name, String vip, Object... backends) {
        List<BackendSpec> specs = new ArrayList<>();
        for (int i = 0; i < backends.length; i += 2) {
            specs.add(new BackendSpec((String) backends[i], 8080, (Integer) backends[i + 1]));
        }
        return new ServiceRequest(name, vip, 80, "TCP", specs, Map.of()).toConfig("");
    }

    /** The service's generation word and its current selection slots, as bpftool dumps them. */
    private Map<String, String> entriesOf(Service service) throws Exception {
        int id = serviceId(service.key());
        byte[] word = Bpftool.dump(pinDir.resolve("cvs_gen_v1")).stream().filter(e -> Bpftool.u32(e.key()) == id)
                .findFirst().orElseThrow().value();
        int first = firstSlot(id, word);
        ByteBuffer slots = ByteBuffer.allocate(SMALL.tableSlots() * 4);
        Bpftool.dump(pinDir.resolve("cvs_sel_v1")).stream()
                .filter(e -> Bpftool.u32(e.key()) >= first && Bpftool.u32(e.key()) < first + SMALL.tableSlots())
                .forEach(e -> slots.put(e.value()));
        return Map.of("word", HexFormat.of().formatHex(word), "slots", HexFormat.of().formatHex(slots.array()));
    }

    private void alterFirstSlot(Service service) throws Exception {
        int id = serviceId(service.key());
        byte[] word = Bpftool.dump(pinDir.resolve("cvs_gen_v1")).stream().filter(e -> Bpftool.u32(e.key()) == id)
                .findFirst().orElseThrow().value();
        int first = firstSlot(id, word);
        byte[] last = Bpftool.dump(pinDir.resolve("cvs_sel_v1")).stream().filter(e -> Bpftool.u32(e.key()) == first + 1)
                .findFirst().orElseThrow().value();
        Bpftool.update(pinDir.resolve("cvs_sel_v1"), Bpftool.u32Key(first), last);
    }

    /** Rewrites the port of the service's only backend record (cvs_be_v1: addr, port, ...). */
    private void alterBackendPort(Service service) throws Exception {
        int id = serviceId(service.key());
        for (Bpftool.Entry backend : Bpftool.dump(pinDir.resolve("cvs_be_v1"))) {
            byte[] value = backend.value();
            if (value[4] == (byte) (8080 >> 8) && value[5] == (byte) 8080 && ownedBy(value, id)) {
                value[5] ^= 1;
                Bpftool.update(pinDir.resolve("cvs_be_v1"), backend.key(), value);
                return;
            }
        }
        throw new AssertionError("no backend record of service id " + id);
    }

    private static boolean ownedBy(byte[] backendRecord, int serviceId) {
        return ByteBuffer.wrap(backendRecord).order(ByteOrder.LITTLE_ENDIAN).getInt(8) == serviceId;
    }

    /** The id cvs_svc_v1 gives the key: {be32 vip, be16 port, u8 protocol, pad} -> {u32 id, ...}. */
    private int serviceId(ServiceKey key) throws Exception {
        byte[] raw = ByteBuffer.allocate(8).put(key.vip().getAddress()).putShort((short) key.port())
                .put((byte) key.protocol().number()).put((byte) 0).array();
        return Bpftool.dump(pinDir.resolve("cvs_svc_v1")).stream()
                .filter(e -> Arrays.equals(e.key(), raw)).mapToInt(e -> Bpftool.u32(e.value()))
                .findFirst().orElseThrow();
    }

    /** Slot 0 of the service's current half (cvs_abi.h: (id * 2 + half) * slots). */
    private static int firstSlot(int id, byte[] word) {
        int half = Bpftool.u32(word) & 1;
        return (id * 2 + half) * SMALL.tableSlots();
    }

    private static Inet4Address ip(String literal) throws Exception {
        return (Inet4Address) InetAddress.getByName(literal);
    }
}
