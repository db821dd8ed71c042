package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.address.AddressProperties;
import io.cvs.address.AddressRules;
import io.cvs.address.IpAddresses;
import io.cvs.address.LocalAddresses;
import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.system.InvalidRequestException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The address rules that need the host or the other services, at the registry: a VIP that is local now (injected
 * set, and this host's real interfaces), a VIP that becomes local later (the periodic check, its WARN and health
 * detail), the overrides, and journals holding what today's rules refuse (restored, with a WARN at start).
 */
@ExtendWith(OutputCaptureExtension.class)
class AddressChecksTest {

    private static final AddressProperties STRICT = AddressProperties.DEFAULTS;
    private static final AddressProperties LENIENT = new AddressProperties(true, true, Duration.ofSeconds(30));

    private final Path dir = TestJournals.freshDir("address-checks");
    private final Set<InetAddress> local = new CopyOnWriteArraySet<>();
    private final LocalAddresses injected = () -> Set.copyOf(local);

    private static ServiceConfig config(String name, String vip, String... backends) {
        List<BackendSpec> specs = java.util.Arrays.stream(backends).map(b -> new BackendSpec(b, 8080, 1)).toList();
        return new ServiceRequest(name, vip, 80, "TCP", specs, Map.of()).toConfig("");
    }

    private Journal open() {
        return Journal.open(dir, TestJournals.DEFAULTS);
    }

    private ServiceRegistry registry(Journal journal, AddressProperties properties, LocalAddresses addresses) {
        return new ServiceRegistry(new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null), journal, true,
                Duration.ofSeconds(30), properties, addresses);
    }

    private static InvalidRequestException refusal(Runnable write) {
        try {
            write.run();
        } catch (InvalidRequestException e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

    @Test
    void aVipThatIsLocalIsRefusedAndOneThatIsNotIsTaken() {
        local.add(IpAddresses.parse("192.0.2.40"));
        try (Journal journal = open(); ServiceRegistry registry = registry(journal, STRICT, injected)) {
            InvalidRequestException refused = refusal(() -> registry.create(config("web", "192.0.2.40", "10.0.0.1")));
            assertThat(refused.errors()).singleElement().satisfies(e -> {
                assertThat(e.field()).isEqualTo("vip");
                assertThat(e.message()).isEqualTo(AddressRules.LOCAL_VIP);
            });
            Service web = registry.create(config("web", "192.0.2.41", "10.0.0.1"));
            // an edit that keeps the VIP does not ask the host again, one that moves it does
            local.add(IpAddresses.parse("192.0.2.41"));
            registry.update(web.id(), Precondition.NONE, s -> config("web", "192.0.2.41", "10.0.0.2"));
            assertThat(refusal(() -> registry.update(web.id(), Precondition.NONE,
                    s -> config("web", "192.0.2.40", "10.0.0.2"))).errors().get(0).field()).isEqualTo("vip");
        }
    }

    /** Through java.net.NetworkInterface: any address it reports here, other than loopback, is refused as a VIP. */
    @Test
    void anAddressThisHostsInterfacesReallyHaveIsRefusedAsAVip() {
        LocalAddresses real = LocalAddresses.ofInterfaces();
        assertThat(real.now()).as("lo's address, which every namespace has").contains(IpAddresses.parse("127.0.0.1"));
        InetAddress address = real.now().stream()
                .filter(a -> !a.isLoopbackAddress() && AddressRules.refusedAsVip(a) == null).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(address != null, "no address but loopback on this host");
        try (Journal journal = open(); ServiceRegistry registry = registry(journal, STRICT, real)) {
            assertThat(refusal(() -> registry.create(config("web", IpAddresses.text(address)))).errors().get(0)
                    .message()).isEqualTo(AddressRules.LOCAL_VIP);
        }
    }

    @Test
    void aVipThatBecomesLocalLaterIsAWarningAndAHealthDetailOnce(CapturedOutput output) {
        try (Journal journal = open(); ServiceRegistry registry = registry(journal, STRICT, injected)) {
            Service web = registry.create(config("web", "192.0.2.42", "10.0.0.1"));
            registry.create(config("db", "192.0.2.43", "10.0.0.2"));
            LocalVipCheck check = new LocalVipCheck(registry, injected, Duration.ofSeconds(30));
            assertThat(check.check()).isEmpty();
            assertThat(check.health().getDetails().get("services")).isEqualTo(List.of());

            local.add(IpAddresses.parse("192.0.2.42"));
            assertThat(check.check()).containsExactly(new LocalVipCheck.LocalVip(web.id(), "web", "192.0.2.42"));
            check.check();

            Health health = check.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails().get("services"))
                    .isEqualTo(List.of(new LocalVipCheck.LocalVip(web.id(), "web", "192.0.2.42")));
            assertThat(health.getDetails()).containsKey("warning");
            assertThat(output.getOut().split("The VIP 192.0.2.42 of service web", -1)).as("one WARN, not one a check")
                    .hasSize(2);
        }
    }

    @Test
    void theOverridesLetLoopbackBackendsAndBackendsOnAnotherVipThrough() {
        try (Journal journal = open(); ServiceRegistry registry = registry(journal, LENIENT, injected)) {
            registry.create(config("web", "192.0.2.44", "127.0.0.1", "10.0.0.1"));
            registry.create(config("front", "192.0.2.45", "192.0.2.44"));
            registry.create(config("back", "10.0.0.1", "10.0.0.2"));
            assertThat(registry.byName()).containsOnlyKeys("back", "front", "web");
        }
    }

    /** What an older daemon accepted is restored as it is, with a WARN per service; edits elsewhere still work. */
    @Test
    void aJournalHoldingRefusedAddressesIsRestoredWithAWarningPerService(CapturedOutput output) {
        try (Journal journal = open(); ServiceRegistry older = registry(journal, LENIENT, injected)) {
            older.create(config("web", "192.0.2.46", "127.0.0.1"));
            older.create(config("front", "192.0.2.47", "192.0.2.46"));
            older.create(config("fine", "192.0.2.48", "10.0.0.1"));
        }
        try (Journal journal = open(); ServiceRegistry restarted = registry(journal, STRICT, injected)) {
            assertThat(restarted.byName()).containsOnlyKeys("fine", "front", "web");
            assertThat(output.getOut()).contains("Service web (192.0.2.46:80/TCP) was restored")
                    .contains("Service front (192.0.2.47:80/TCP) was restored")
                    .doesNotContain("Service fine (");
            Service web = restarted.byName().get("web");
            // an edit that leaves the loopback backend as it is is taken; a new one is not
            restarted.update(web.id(), Precondition.NONE, s -> s.content().withBackends(s.backends()));
            restarted.update(web.id(), Precondition.NONE, s -> config("web", "192.0.2.46", "127.0.0.1", "10.0.0.3"));
            assertThatThrownBy(() -> restarted.update(web.id(), Precondition.NONE,
                    s -> config("web", "192.0.2.46", "127.0.0.2"))).isInstanceOf(InvalidRequestException.class);
        }
    }
}
