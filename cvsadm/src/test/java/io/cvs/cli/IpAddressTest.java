package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link IpAddress}: what it reads, RFC 5952's form it writes (the daemon's), and its order. */
class IpAddressTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.10                              | 192.0.2.10
            0.0.0.0                                 | 0.0.0.0
            255.255.255.255                         | 255.255.255.255
            2001:db8::10                            | 2001:db8::10
            2001:DB8::10                            | 2001:db8::10
            2001:0db8:0000:0000:0000:0000:0000:0010 | 2001:db8::10
            2001:db8:0:0:1:0:0:1                    | 2001:db8::1:0:0:1
            2001:db8:0:1:1:1:1:1                    | 2001:db8:0:1:1:1:1:1
            2001:0:0:1:0:0:0:1                      | 2001:0:0:1::1
            fd00:1:0:0:0:0:0:0                      | fd00:1::
            0:0:0:0:0:0:0:1                         | ::1
            ::                                      | ::
            ::ffff:192.0.2.1                        | ::ffff:192.0.2.1
            ::ffff:c000:201                         | ::ffff:192.0.2.1
            64:ff9b::192.0.2.1                      | 64:ff9b::c000:201
            ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
            """)
    void readsEitherFamilyAndWritesRfc5952(String typed, String written) {
        assertThat(IpAddress.parse(typed)).map(IpAddress::toString).contains(written);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "192.0.2", "192.0.2.256", "192.0.2.010", "192.0.2.1.", "1.2.3.4.5", "2001:db8",
            "2001:db8:::10", "2001::db8::10", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7", "2001:db8::g",
            "2001:db8::10000", "fe80::1%eth0", "1.2.3.4::1", "::1.2.3", "[2001:db8::10]", "web.example"})
    void refusesWhatIsNoAddress(String typed) {
        assertThat(IpAddress.parse(typed)).isEmpty();
    }

    @Test
    void ordersIpv4BeforeIpv6AndEachByValueNotAsText() {
        List<String> sorted = List.of("fd00::10", "10.0.0.10", "2001:db8::9", "fd00::9", "10.0.0.9", "192.0.2.1")
                .stream().map(IpAddress::parse).map(Optional::orElseThrow).sorted().map(IpAddress::toString).toList();
        assertThat(sorted).containsExactly("10.0.0.9", "10.0.0.10", "192.0.2.1", "2001:db8::9", "fd00::9",
                "fd00::10");
    }

    @Test
    void anAddressWithAPortIsBracketedWhenIpv6() {
        assertThat(IpAddress.withPort("192.0.2.10", 80)).isEqualTo("192.0.2.10:80");
        assertThat(IpAddress.withPort("2001:db8::10", 80)).isEqualTo("[2001:db8::10]:80");
    }

    @Test
    void theSameAddressSpelledOtherwiseIsEqual() {
        assertThat(IpAddress.parse("2001:DB8:0::10")).isEqualTo(IpAddress.parse("2001:db8::10"));
        assertThat(IpAddress.parse("::ffff:192.0.2.1")).isNotEqualTo(IpAddress.parse("192.0.2.1"));
    }
}
