package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.Addresses;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JournalCodecTest {

    private static final HealthCheck UDP = new HealthCheck(Type.UDP, 53, Duration.ofMillis(1500),
            Duration.ofMillis(250), 2, 4, InitialState.DOWN, WhenAllDown.FAIL_CLOSED, "", 200, 399, "ping", "pong");

    private static InetAddress ip(String text) {
        return Addresses.ip(text);
    }

    private static Service service(String id, HealthCheck check) throws IOException {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("team", "dns");
        return new Service(id, 3, new ServiceConfig("dns-" + id, new ServiceKey(ip("192.0.2.53"), 53, Protocol.UDP),
                List.of(new Backend(ip("10.0.0.1"), 5353, 2), new Backend(ip("10.0.0.2"), 5353, 0)), labels, check));
    }

    @Test
    void aChangeWithAndWithoutChecksReadsBackEqual() throws IOException {
        JournalCodec.Change change = new JournalCodec.Change(List.of(service("a", UDP), service("b", null)),
                List.of("c"));
        JournalCodec.Change read = JournalCodec.readChange(JournalCodec.change(change));
        assertThat(read).isEqualTo(change);
        assertThat(read.puts().get(0).content().healthCheck()).isEqualTo(UDP);
    }

    @Test
    void aStateReadsBackEqual() throws IOException {
        List<Service> state = List.of(service("a", UDP), service("b", null));
        assertThat(JournalCodec.readState(JournalCodec.state(state))).isEqualTo(state);
    }

    /** Journals written before health checks existed (format 1, no leading format byte) must still restore. */
    @Test
    void aFormatOneChangeStillReads() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            out.writeUTF("svc-0123456789");
            out.writeLong(7);
            out.writeUTF("web");
            out.write(new byte[] {(byte) 192, 0, 2, 10});
            out.writeShort(80);
            out.writeByte(6);
            out.writeShort(1);
            out.write(new byte[] {10, 0, 0, 1});
            out.writeShort(8080);
            out.writeShort(5);
            out.writeShort(1);
            out.writeUTF("app");
            out.writeUTF("shop");
            out.writeInt(1);
            out.writeUTF("svc-gone000000");
        }
        JournalCodec.Change read = JournalCodec.readChange(bytes.toByteArray());
        Service web = read.puts().get(0);
        assertThat(web.id()).isEqualTo("svc-0123456789");
        assertThat(web.version()).isEqualTo(7);
        assertThat(web.key()).isEqualTo(new ServiceKey(ip("192.0.2.10"), 80, Protocol.TCP));
        assertThat(web.backends()).containsExactly(new Backend(ip("10.0.0.1"), 8080, 5));
        assertThat(web.content().labels()).containsEntry("app", "shop");
        assertThat(web.content().healthCheck()).isNull();
        assertThat(read.deletes()).containsExactly("svc-gone000000");
    }

    /** Journals written before IPv6 (format 2: a format byte, then 4 bytes per address) must still restore. */
    @Test
    void aFormatTwoStateOfIpv4BytesStillReads() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeInt(1);
            out.writeUTF("svc-0123456789");
            out.writeLong(4);
            out.writeUTF("web");
            out.write(new byte[] {(byte) 192, 0, 2, 10});
            out.writeShort(80);
            out.writeByte(6);
            out.writeShort(2);
            out.write(new byte[] {10, 0, 0, 1});
            out.writeShort(8080);
            out.writeShort(3);
            // four bytes that would be a family tag (6) and more in format 3
            out.write(new byte[] {6, 0, 0, 2});
            out.writeShort(8080);
            out.writeShort(0);
            out.writeShort(0);
            out.writeByte(0);
        }
        List<Service> read = JournalCodec.readState(bytes.toByteArray());
        assertThat(read).singleElement().satisfies(web -> {
            assertThat(web.version()).isEqualTo(4);
            assertThat(web.key()).isEqualTo(new ServiceKey(ip("192.0.2.10"), 80, Protocol.TCP));
            assertThat(web.backends()).containsExactly(new Backend(ip("10.0.0.1"), 8080, 3),
                    new Backend(ip("6.0.0.2"), 8080, 0));
            assertThat(web.content().healthCheck()).isNull();
        });
    }

    /** Format 3 and later tag every address with its family: 4 and four bytes, or 6 and sixteen. */
    @Test
    void anIpv6ServiceIsWrittenWithFamilyTagsAndReadsBack() throws IOException {
        Service v6 = new Service("svc-v6", 1, new ServiceConfig("web-v6", new ServiceKey(ip("2001:db8::10"), 80,
                Protocol.TCP), List.of(new Backend(ip("fd00::2"), 8080, 1)), new TreeMap<>(), null));
        byte[] payload = JournalCodec.state(List.of(v6));

        assertThat(payload).isEqualTo(webV6(5, 0));
        assertThat(JournalCodec.readState(payload)).containsExactly(v6);
        Service v4 = service("a", UDP);
        assertThat(JournalCodec.readState(JournalCodec.state(List.of(v4, v6)))).containsExactly(v4, v6);
    }

    /** Format 4 ends every service with its removal policy: 0 KEEP, 1 RESET. */
    @Test
    void theRemovalPolicyIsTheLastByteOfAServiceAndReadsBack() throws IOException {
        Service reset = new Service("svc-v6", 1, new ServiceConfig("web-v6", new ServiceKey(ip("2001:db8::10"), 80,
                Protocol.TCP), List.of(new Backend(ip("fd00::2"), 8080, 1)), new TreeMap<>(), null,
                OnBackendRemoval.RESET));

        assertThat(JournalCodec.state(List.of(reset))).isEqualTo(webV6(5, 1));
        assertThat(JournalCodec.readState(webV6(4, 1))).containsExactly(reset);
    }

    /**
     * Format 5 ends every service with its selection policy: scheduler u8, Maglev table size u32, affinity u8,
     * affinity timeout u32.
     */
    @Test
    void theSelectionPolicyEndsAServiceAndReadsBack() throws IOException {
        Service maglev = new Service("svc-v6", 1, new ServiceConfig("web-v6", new ServiceKey(ip("2001:db8::10"), 80,
                Protocol.TCP), List.of(new Backend(ip("fd00::2"), 8080, 1)), new TreeMap<>(), null,
                OnBackendRemoval.KEEP, SelectionPolicy.maglev(251).withAffinity(60)));
        byte[] expected = webV6(5, 0, 1, 251, 1, 60);

        assertThat(JournalCodec.state(List.of(maglev))).isEqualTo(expected);
        assertThat(JournalCodec.readState(expected)).containsExactly(maglev);
    }

    /** Journals written before selection policies (format 4) restore every service as RANDOM without affinity. */
    @Test
    void aFormatFourServiceRestoresAsRandomWithoutAffinity() throws IOException {
        assertThat(JournalCodec.readState(webV6(4, 1))).singleElement().satisfies(web -> {
            assertThat(web.content().selection()).isEqualTo(SelectionPolicy.DEFAULT);
            assertThat(web.content().onBackendRemoval()).isEqualTo(OnBackendRemoval.RESET);
        });
    }

    /** A policy the API could never have accepted is refused, not restored into a service no datapath takes. */
    @Test
    void aSelectionPolicyNoDatapathTakesIsRefused() throws IOException {
        assertThatThrownBy(() -> JournalCodec.readState(webV6(5, 0, 1, 250, 0, 0)))
                .hasMessageContaining("Maglev table size 250 is not a prime");
        assertThatThrownBy(() -> JournalCodec.readState(webV6(5, 0, 0, 0, 1, 0)))
                .hasMessageContaining("session affinity CLIENT_IP with timeout 0");
    }

    /** Journals written before the policy (format 3: nothing after the check) restore every service as KEEP. */
    @Test
    void aFormatThreeServiceRestoresAsKeep() throws IOException {
        assertThat(JournalCodec.readState(webV6(3, -1))).singleElement().satisfies(web -> {
            assertThat(web.content().onBackendRemoval()).isEqualTo(OnBackendRemoval.KEEP);
            assertThat(web.backends()).containsExactly(new Backend(ip("fd00::2"), 8080, 1));
        });
    }

    /**
     * A STATE of one IPv6 service without a check, as format writes it; policy -1: none (before format 4). From
     * format 5 on, RANDOM without affinity.
     */
    private static byte[] webV6(int format, int policy) throws IOException {
        return format >= 5 ? webV6(format, policy, 0, 0, 0, 0) : webV6(format, policy, -1, 0, 0, 0);
    }

    /** webV6 with the selection policy's fields of format 5 (scheduler -1: none, before format 5). */
    private static byte[] webV6(int format, int policy, int scheduler, int tableSize, int affinity, int timeout)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(format);
            out.writeInt(1);
            out.writeUTF("svc-v6");
            out.writeLong(1);
            out.writeUTF("web-v6");
            out.writeByte(6);
            out.write(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
            out.writeShort(80);
            out.writeByte(6);
            out.writeShort(1);
            out.writeByte(6);
            out.write(new byte[] {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
            out.writeShort(8080);
            out.writeShort(1);
            out.writeShort(0);
            out.writeByte(0);
            if (policy >= 0) {
                out.writeByte(policy);
            }
            if (scheduler >= 0) {
                out.writeByte(scheduler);
                out.writeInt(tableSize);
                out.writeByte(affinity);
                out.writeInt(timeout);
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void anUnknownFamilyIsRefused() {
        byte[] payload = JournalCodec.state(List.of(new Service("s", 1, new ServiceConfig("web", new ServiceKey(
                ip("192.0.2.10"), 80, Protocol.TCP), List.of(), new TreeMap<>(), null))));
        int tag = 1 + 4 + 2 + 1 + 8 + 2 + 3;
        assertThat(payload[tag]).isEqualTo((byte) 4);
        payload[tag] = 5;
        assertThatThrownBy(() -> JournalCodec.readState(payload)).hasMessageContaining("address family 5 is not");
    }

    @Test
    void aNewerFormatIsRefusedNotMisread() {
        byte[] payload = JournalCodec.state(List.of());
        payload[0] = JournalCodec.FLEET_FORMAT + 1;
        assertThatThrownBy(() -> JournalCodec.readState(payload)).hasMessageContaining("newer than this daemon's");
    }

    @Test
    void anUnknownCheckTypeIsRefused() throws IOException {
        byte[] payload = JournalCodec.state(List.of(service("a", UDP)));
        int typeAt = indexOfCheck(payload);
        payload[typeAt] = 9;
        assertThatThrownBy(() -> JournalCodec.readState(payload)).hasMessageContaining("health check type 9 is not one");
    }

    /** The check's type byte: right after the "check follows" flag that ends the label section. */
    private static int indexOfCheck(byte[] payload) {
        byte[] label = "dns".getBytes();
        for (int i = payload.length - label.length; i >= 0; i--) {
            if (payload[i] == label[0] && payload[i + 1] == label[1] && payload[i + 2] == label[2]) {
                return i + label.length + 1;
            }
        }
        throw new AssertionError("the label value is not in the payload");
    }
}
