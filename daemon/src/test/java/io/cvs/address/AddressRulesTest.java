package io.cvs.address;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRulesTest {

    @ParameterizedTest(name = "VIP {0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "::| must not be :: (unspecified)",
        "0:0::0| must not be :: (unspecified)",
        "::1| must not be ::1 (loopback)",
        "0::0:1| must not be ::1 (loopback)",
        "ff02::1| must not be in ff00::/8 (multicast)",
        "FF0E::10| must not be in ff00::/8 (multicast)",
        "fe80::1| must not be in fe80::/10 (link-local: it names no interface without a zone)",
        "febf::1| must not be in fe80::/10 (link-local: it names no interface without a zone)",
        "::ffff:192.0.2.10| must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, 192.0.2.10",
        "::ffff:c000:20a| must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, 192.0.2.10",
        "127.0.0.1| must not be in 127.0.0.0/8 (loopback)",
        "169.254.169.254| must not be in 169.254.0.0/16 (link-local, where cloud hosts answer metadata requests)",
        "240.0.0.1| must not be in 240.0.0.0/4 (reserved)",
        "255.255.255.254| must not be in 240.0.0.0/4 (reserved)",
    })
    void refusesVips(String vip, String why) {
        assertThat(AddressRules.refusedAsVip(vip)).isEqualTo(why);
    }

    @ParameterizedTest(name = "VIP {0}")
    @ValueSource(strings = {"2001:db8::10", "2001:DB8::A", "fec0::1", "fd00::1", "192.0.2.10", "::2"})
    void takesVips(String vip) {
        assertThat(AddressRules.refusedAsVip(vip)).isNull();
    }

    @ParameterizedTest(name = "backend {0}: {1}")
    @CsvSource(delimiter = '|', value = {
        "::| must not be :: (unspecified)",
        "ff02::1| must not be in ff00::/8 (multicast)",
        "::ffff:10.0.0.1| must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, 10.0.0.1",
        "0.0.0.0| must not be in 0.0.0.0/8 (this network)",
        "0.1.2.3| must not be in 0.0.0.0/8 (this network)",
        "169.254.169.254| must not be in 169.254.0.0/16 (link-local, where cloud hosts answer metadata requests)",
        "fe80::1| must not be in fe80::/10 (link-local: it names no interface without a zone)",
        "224.0.0.1| must not be in 224.0.0.0/4 (multicast)",
        "240.0.0.1| must not be in 240.0.0.0/4 (reserved)",
        "255.255.255.255| must not be 255.255.255.255 (broadcast)",
    })
    void refusesBackends(String address, String why) {
        assertThat(AddressRules.refusedAsBackend(address)).isEqualTo(why);
    }

    @ParameterizedTest(name = "backend {0}")
    @ValueSource(strings = {"fd00::2", "2001:db8::2", "10.0.0.1", "172.16.0.1", "192.168.1.1"})
    void takesBackends(String address) {
        assertThat(AddressRules.refusedAsBackend(address)).isNull();
        assertThat(AddressRules.refusedLoopbackBackend(IpAddresses.parse(address))).isNull();
    }

    /** Loopback is refused apart, since cvs.addresses.allow-loopback-backends lets it through. */
    @ParameterizedTest(name = "backend {0}")
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "::1"})
    void loopbackBackendsAreRefusedNamingTheOverride(String address) {
        assertThat(AddressRules.refusedAsBackend(address)).isNull();
        assertThat(AddressRules.refusedLoopbackBackend(IpAddresses.parse(address)))
                .contains("loopback").contains(AddressRules.ALLOW_LOOPBACK_BACKENDS);
    }

    @Test
    void aBackendOnItsOwnVipIsRefused() {
        assertThat(AddressRules.refusedBesideVip(IpAddresses.parse("192.0.2.1"), IpAddresses.parse("192.0.2.1")))
                .startsWith("must not be the service's own vip");
        assertThat(AddressRules.refusedBesideVip(IpAddresses.parse("2001:db8::1"), IpAddresses.parse("2001:db8::1")))
                .startsWith("must not be the service's own vip");
    }

    @ParameterizedTest(name = "{0} is no address")
    @ValueSource(strings = {"localhost", "fd00::2/64", "[fd00::2]", "fd00::g", "2001:db8::1::1"})
    void namesAndGarbageAreNoAddresses(String text) {
        assertThat(AddressRules.refusedAsVip(text)).isEqualTo(AddressRules.NOT_AN_ADDRESS);
        assertThat(AddressRules.refusedAsBackend(text)).isEqualTo(AddressRules.NOT_AN_ADDRESS);
    }

    @Test
    void aZoneIdIsNamed() {
        assertThat(AddressRules.refusedAsBackend("fe80::1%eth0")).startsWith("must not have a zone id");
        assertThat(AddressRules.refusedAsVip("2001:db8::1%2")).startsWith("must not have a zone id");
    }

    @Test
    void aServiceHasOneFamily() {
        assertThat(AddressRules.refusedBesideVip(IpAddresses.parse("10.0.0.1"), IpAddresses.parse("2001:db8::1")))
                .startsWith("must be an IPv6 address, as the vip is");
        assertThat(AddressRules.refusedBesideVip(IpAddresses.parse("fd00::1"), IpAddresses.parse("192.0.2.1")))
                .startsWith("must be an IPv4 address, as the vip is");
        assertThat(AddressRules.refusedBesideVip(IpAddresses.parse("fd00::1"), IpAddresses.parse("2001:db8::1")))
                .isNull();
    }
}
