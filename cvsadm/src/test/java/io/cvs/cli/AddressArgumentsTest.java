package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.TypeConversionException;

/**
 * The addresses cvsadm takes on its command line, {@link Endpoint} ({@code VIP[:PORT[/PROTO]]}) and
 * {@link BackendArg} ({@code ADDR[:PORT][/WEIGHT]}), of either family: what each reads, and the one-line refusals.
 */
class AddressArgumentsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.10                 | 192.0.2.10
            192.0.2.10:443             | 192.0.2.10:443
            198.51.100.53:53/udp       | 198.51.100.53:53/UDP
            2001:db8::10               | 2001:db8::10
            [2001:db8::10]             | 2001:db8::10
            [2001:DB8:0::10]:80        | [2001:db8::10]:80
            [2001:db8::10]:53/udp      | [2001:db8::10]:53/UDP
            2001:db8:0:0:0:0:0:10      | 2001:db8::10
            """)
    void endpoints(String typed, String read) {
        assertThat(Endpoint.parse(typed)).hasToString(read);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            192.0.2                    | '192.0.2' is not VIP[:PORT[/PROTO]], e.g. 192.0.2.10:80/TCP or [2001:db8::10]:80/TCP
            192.0.2.1:80/sctp          | '192.0.2.1:80/sctp': the protocol is TCP or UDP, not sctp
            192.0.2.1:0                | '192.0.2.1:0': the port must be between 1 and 65535
            [2001:db8::10]:65536       | '[2001:db8::10]:65536': the port must be between 1 and 65535
            [192.0.2.1]:80             | '[192.0.2.1]:80' is not VIP[:PORT[/PROTO]], e.g. 192.0.2.10:80/TCP or [2001:db8::10]:80/TCP
            [2001:db8::10]/udp         | '[2001:db8::10]/udp' is not VIP[:PORT[/PROTO]], e.g. 192.0.2.10:80/TCP or [2001:db8::10]:80/TCP
            2001:db8::10:80            | '2001:db8::10:80' is ambiguous: write [2001:db8::10]:80 for an address and port, or [2001:db8::10:80] for the address alone
            2001:db8::10:80/tcp        | '2001:db8::10:80/tcp': an IPv6 address goes in brackets when anything follows it, e.g. [2001:db8::10:80]/tcp
            """)
    void endpointRefusals(String typed, String message) {
        assertThatThrownBy(() -> Endpoint.parse(typed)).isInstanceOf(TypeConversionException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0} -> {1} port {2} weight {3} key {4}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.1                   | 10.0.0.1   |      |   | 10.0.0.1:80
            10.0.0.1:8080/2            | 10.0.0.1   | 8080 | 2 | 10.0.0.1:8080
            10.0.0.1/3                 | 10.0.0.1   |      | 3 | 10.0.0.1:80
            fd00::2                    | fd00::2    |      |   | [fd00::2]:80
            [fd00::2]:8080             | fd00::2    | 8080 |   | [fd00::2]:8080
            [FD00:0::2]:8080/2         | fd00::2    | 8080 | 2 | [fd00::2]:8080
            [fd00:1::2]/5              | fd00:1::2  |      | 5 | [fd00:1::2]:80
            """)
    void backends(String typed, String address, Integer port, Integer weight, String key) {
        BackendArg backend = BackendArg.parse(typed, true);
        assertThat(backend.address()).hasToString(address);
        assertThat(backend.port()).isEqualTo(port);
        assertThat(backend.weight()).isEqualTo(weight);
        assertThat(backend.key(80)).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0} (weight allowed: {1}): {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            10.0.0.1:8080/2  | false | '10.0.0.1:8080/2' is not ADDR[:PORT], e.g. 10.0.0.1:8080 or [fd00::1]:8080
            [fd00::2]:8080/x | true  | '[fd00::2]:8080/x' is not ADDR[:PORT][/WEIGHT], e.g. 10.0.0.1:8080/2 or [fd00::1]:8080/2
            fd00::2:8080     | false | 'fd00::2:8080' is ambiguous: write [fd00::2]:8080 for an address and port, or [fd00::2:8080] for the address alone
            fd00::2/2        | true  | 'fd00::2/2': an IPv6 address goes in brackets when anything follows it, e.g. [fd00::2]/2
            fd00::2]:8080    | false | 'fd00::2]:8080' is not ADDR[:PORT], e.g. 10.0.0.1:8080 or [fd00::1]:8080
            """)
    void backendRefusals(String typed, boolean weightAllowed, String message) {
        assertThatThrownBy(() -> BackendArg.parse(typed, weightAllowed)).isInstanceOf(TypeConversionException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.10:80/TCP                            | vip-192-0-2-10-80-tcp
            [2001:db8::10]:80/TCP                        | vip-2001-db8--10-80-tcp
            [2001:db8:1:2:3:4:5:6]:65535/UDP             | vip-2001-db8-1-2-3-4-5-6-65535-udp
            """)
    void derivedServiceNamesAreDnsLabels(String address, String name) {
        assertThat(PushCommand.derivedName(Endpoint.parse(address))).isEqualTo(name).matches("[a-z0-9][-a-z0-9]*")
                .hasSizeLessThanOrEqualTo(63);
    }
}
