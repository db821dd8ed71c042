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
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JournalCodecTest {

    private static final HealthCheck UDP = new HealthCheck(Type.UDP, 53, Duration.ofMillis(1500),
            Duration.ofMillis(250), 2, 4, InitialState.DOWN, WhenAllDown.FAIL_CLOSED, "", 200, 399, "ping", "pong");

    private static Inet4Address ip(String text) throws IOException {
        return (Inet4Address) InetAddress.getByName(text);
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

    @Test
    void aNewerFormatIsRefusedNotMisread() {
        byte[] payload = JournalCodec.state(List.of());
        payload[0] = JournalCodec.FORMAT + 1;
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
