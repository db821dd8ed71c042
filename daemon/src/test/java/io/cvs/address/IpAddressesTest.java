package io.cvs.address;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({
        "2001:db8::1, 2001:db8::1",
        "2001:DB8:0::1, 2001:db8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
        // the longest run of zero groups is compressed ...
        "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::",
        // ... the first one on a tie ...
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        // ... and never a single zero group
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "0:0:0:0:0:0:0:0, ::",
        "::1, ::1",
        "1::, 1::",
        "FD00::0002, fd00::2",
        "fe80::1:2:3:4, fe80::1:2:3:4",
        "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
        "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
        // the embedded-IPv4 tail form; only ::ffff:0:0/96 is written dotted (RFC 5952 section 5)
        "::ffff:192.0.2.1, ::ffff:192.0.2.1",
        "::FFFF:c000:0201, ::ffff:192.0.2.1",
        "64:ff9b::192.0.2.1, 64:ff9b::c000:201",
        "::192.0.2.1, ::c000:201",
        "192.0.2.10, 192.0.2.10",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
    })
    void writesTheCanonicalForm(String text, String canonical) {
        InetAddress address = IpAddresses.parse(text);
        assertThat(address).as(text).isNotNull();
        assertThat(IpAddresses.text(address)).isEqualTo(canonical);
        assertThat(IpAddresses.parse(canonical)).isEqualTo(address);
    }

    @ParameterizedTest(name = "{0} is no address")
    @ValueSource(strings = {"", " ", "::1 ", " ::1", "localhost", "example.com", "fe80::1%eth0", "fe80::1%1",
        "[2001:db8::1]", "2001:db8::/32", "2001:db8:::1", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "12345::", "g::1", ":1::", "1::2:", ":1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:", "::ffff:192.0.2", "::ffff:192.0.2.256", "::ffff:192.0.02.1", "1.2.3.4::", "::1.2.3.4:5",
        "1:2:3:4:5:6:7:1.2.3.4", "010.0.0.1", "10.0.0", "10.0.0.1.", "0x1.2.3.4", "0x1::", "+1::", "-1::"})
    void refusesWhatIsNotRfc4291Text(String text) {
        assertThat(IpAddresses.parse(text)).isNull();
    }

    @Test
    void keepsSixteenMappedBytesIpv6() {
        InetAddress mapped = IpAddresses.parse("::ffff:10.0.0.1");
        // InetAddress.getByAddress would have made this 10.0.0.1, an Inet4Address
        assertThat(mapped).isInstanceOf(Inet6Address.class);
        assertThat(IpAddresses.isIpv4Mapped(mapped)).isTrue();
        assertThat(IpAddresses.parse("10.0.0.1")).isInstanceOf(Inet4Address.class).isNotEqualTo(mapped);
        assertThat(IpAddresses.isIpv4Mapped(IpAddresses.parse("::1"))).isFalse();
        assertThat(IpAddresses.isIpv4Mapped(IpAddresses.parse("::fffe:10.0.0.1"))).isFalse();
    }

    @Test
    void aDuplicateIsTheSameAddressWhateverItsForm() {
        assertThat(IpAddresses.parse("2001:db8::1")).isEqualTo(IpAddresses.parse("2001:DB8:0::1"))
                .hasSameHashCodeAs(IpAddresses.parse("2001:0db8:0:0:0:0:0:1"));
    }

    @Test
    void bracketsIpv6WhereAPortFollows() {
        assertThat(IpAddresses.withPort(IpAddresses.parse("FD00:0::2"), 8080)).isEqualTo("[fd00::2]:8080");
        assertThat(IpAddresses.withPort(IpAddresses.parse("10.0.0.1"), 8080)).isEqualTo("10.0.0.1:8080");
        assertThat(new ServiceKey(IpAddresses.parse("2001:db8:0:0::10"), 80, Protocol.TCP))
                .hasToString("[2001:db8::10]:80/TCP");
        assertThat(new ServiceKey(IpAddresses.parse("192.0.2.10"), 53, Protocol.UDP)).hasToString("192.0.2.10:53/UDP");
    }

    @Test
    void everyEightGroupsRoundTrip() {
        // every pattern of zero and non-zero groups: the parser reads back what the formatter writes
        for (int mask = 0; mask < 256; mask++) {
            byte[] bytes = new byte[16];
            for (int g = 0; g < 8; g++) {
                if ((mask & 1 << g) != 0) {
                    bytes[2 * g] = (byte) 0x0a;
                    bytes[2 * g + 1] = (byte) g;
                }
            }
            InetAddress address = IpAddresses.address(bytes);
            String text = IpAddresses.text(address);
            assertThat(IpAddresses.parse(text)).as(text).isEqualTo(address);
            assertThat(text).as("at most one ::").doesNotContain(":::")
                    .satisfies(t -> assertThat(t.indexOf("::")).isEqualTo(t.lastIndexOf("::")));
        }
    }
}
