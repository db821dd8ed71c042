package io.cvs.pick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.address.IpAddresses;
import io.cvs.system.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code client} of a pick: each accepted spelling, and each refused one naming {@code client}. */
class ClientAddressTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"198.51.100.7, 198.51.100.7, 0", "198.51.100.7:40112, 198.51.100.7, 40112",
        "2001:db8::7, 2001:db8::7, 0", "[2001:db8::7]:40112, 2001:db8::7, 40112", "[2001:DB8:0::7], 2001:db8::7, 0",
        "[::ffff:198.51.100.7]:1, ::ffff:198.51.100.7, 1"})
    void eachSpellingParses(String text, String address, int port) {
        ClientAddress client = ClientAddress.parse(text);

        assertThat(client.address()).isEqualTo(IpAddresses.parse(address));
        assertThat(client.port()).isEqualTo(port);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "198.51.100.7:0", "198.51.100.7:65536", "198.51.100.7:080", "198.51.100.7:",
        "[198.51.100.7]:1", "[2001:db8::7]40112", "[2001:db8::7", "host.example", "fe80::1%eth0", "10.0.0.1/24"})
    void anythingElseIsA400NamingClient(String text) {
        assertThatThrownBy(() -> ClientAddress.parse(text)).isInstanceOfSatisfying(InvalidRequestException.class,
                e -> assertThat(e.getBody().getProperties().toString()).contains("client"));
    }
}
