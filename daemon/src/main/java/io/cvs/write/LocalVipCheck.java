package io.cvs.write;

import io.cvs.address.IpAddresses;
import io.cvs.address.LocalAddresses;
import io.cvs.service.Service;
import io.cvs.system.PeriodicTask;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The VIPs that are an address of one of this host's interfaces now. A write refuses such a VIP, but an address
 * can be added to an interface later (or a VIP was accepted before the rule): the datapath then takes over the
 * connections meant for the local service on that address. Checked every interval: each service that becomes
 * local is logged once at WARN, and the {@code localVips} health component names them (it stays UP: forwarding
 * works, an operator has an address to move). Costs one lookup per local address, not a walk of the services.
 */
final class LocalVipCheck extends PeriodicTask implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(LocalVipCheck.class);

    /** One service whose VIP is local, as the health component shows it. */
    record LocalVip(String id, String name, String vip) {
    }

    private final ServiceRegistry registry;
    private final LocalAddresses local;
    private volatile List<LocalVip> found = List.of();

    LocalVipCheck(ServiceRegistry registry, LocalAddresses local, Duration interval) {
        super("cvs-local-vips", Duration.ZERO, interval);
        this.registry = registry;
        this.local = local;
    }

    @Override
    protected void runOnce() {
        try {
            check();
        } catch (RuntimeException e) {
            log.warn("Could not compare the VIPs with this host's addresses", e);
        }
    }

    /** Compares now; returns what the health component shows from now on. */
    List<LocalVip> check() {
        Set<String> known = new HashSet<>();
        found.forEach(v -> known.add(v.id() + " " + v.vip()));
        List<LocalVip> now = new ArrayList<>();
        for (InetAddress address : local.now()) {
            for (Service service : registry.servicesWithVip(address)) {
                LocalVip vip = new LocalVip(service.id(), service.name(), IpAddresses.text(address));
                now.add(vip);
                if (!known.contains(vip.id() + " " + vip.vip())) {
                    log.warn("The VIP {} of service {} ({}) is now an address of one of this host's interfaces: "
                            + "the datapath takes over connections meant for the local service on {}. Move the "
                            + "service to another VIP or remove the address", vip.vip(), service.name(),
                            service.id(), service.key());
                }
            }
        }
        now.sort(Comparator.comparing(LocalVip::name));
        found = List.copyOf(now);
        return found;
    }

    @Override
    public Health health() {
        List<LocalVip> vips = found;
        Health.Builder health = Health.up().withDetail("services", vips);
        if (!vips.isEmpty()) {
            health.withDetail("warning", vips.size() + " VIPs are addresses of this host's interfaces and take over "
                    + "the local services on them");
        }
        return health.build();
    }
}
