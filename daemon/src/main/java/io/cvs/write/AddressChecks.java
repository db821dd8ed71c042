package io.cvs.write;

import io.cvs.address.AddressProperties;
import io.cvs.address.AddressRules;
import io.cvs.address.IpAddresses;
import io.cvs.address.LocalAddresses;
import io.cvs.datapath.Backend;
import io.cvs.service.Service;
import io.cvs.service.ServiceTable;
import io.cvs.system.Violations;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address rules that depend on this host or on the other services, checked under the write lock against the
 * table a write would make: a loopback backend (unless {@code cvs.addresses.allow-loopback-backends}), a backend
 * that is another service's VIP or a VIP that is another service's backend (unless
 * {@code cvs.addresses.allow-backend-on-vip}), and a VIP that is an address of this host's interfaces. Only what
 * a write changes is looked at (a new VIP, a backend address the service did not have), through the table's
 * indexes: a write costs what it changes, and a service restored from an older journal with such an address still
 * takes edits that leave the address alone.
 */
final class AddressChecks {

    private static final Logger log = LoggerFactory.getLogger(AddressChecks.class);

    /** One changed service: what it was (null when new), what it becomes, and how its fields are named. */
    record Change(Service before, Service after, String prefix, IntFunction<String> backendField) {

        /** Fields named as in a service body under prefix: {@code services[3].vip}, {@code backends[2].address}. */
        static Change of(Service before, Service after, String prefix) {
            return new Change(before, after, prefix, i -> prefix + "backends[" + i + "].address");
        }
    }

    private final AddressProperties properties;
    private final LocalAddresses local;

    AddressChecks(AddressProperties properties, LocalAddresses local) {
        this.properties = properties;
        this.local = local;
    }

    /** A 400 naming every offending field of the changes, checked against next (the table after the write). */
    void check(ServiceTable next, List<Change> changes) {
        Violations violations = new Violations();
        Set<InetAddress> localNow = null;
        for (Change change : changes) {
            Service after = change.after();
            InetAddress vip = after.key().vip();
            if (change.before() == null || !change.before().key().vip().equals(vip)) {
                localNow = localNow == null ? local.now() : localNow;
                if (localNow.contains(vip)) {
                    violations.add(change.prefix() + "vip", AddressRules.LOCAL_VIP, IpAddresses.text(vip));
                }
                Service holder = properties.allowBackendOnVip() ? null : next.backendHolder(vip, after.id());
                if (holder != null) {
                    violations.add(change.prefix() + "vip", AddressRules.vipOnBackend(holder.name()),
                            IpAddresses.text(vip));
                }
            }
            checkBackends(next, change, violations);
        }
        violations.throwIfAny();
    }

    private void checkBackends(ServiceTable next, Change change, Violations violations) {
        Set<InetAddress> had = new HashSet<>();
        if (change.before() != null) {
            change.before().backends().forEach(b -> had.add(b.address()));
        }
        List<Backend> backends = change.after().backends();
        for (int i = 0; i < backends.size(); i++) {
            InetAddress address = backends.get(i).address();
            if (had.contains(address)) {
                continue;
            }
            String why = properties.allowLoopbackBackends() ? null : AddressRules.refusedLoopbackBackend(address);
            if (why == null && !properties.allowBackendOnVip()) {
                Service holder = next.vipHolder(address, change.after().id());
                why = holder == null ? null : AddressRules.backendOnVip(holder.name());
            }
            if (why != null) {
                violations.add(change.backendField().apply(i), why, IpAddresses.text(address));
            }
        }
    }

    /**
     * One WARN per restored service whose addresses today's rules refuse (the local addresses aside, which the
     * periodic check looks at): restoring never refuses what was once accepted. One walk, at start only.
     */
    void warnOfRefused(ServiceTable restored) {
        for (Service service : restored.services()) {
            List<String> broken = refusedAtRestore(restored, service);
            if (!broken.isEmpty()) {
                log.warn("Service {} ({}) was restored with addresses that a write is refused today: {}. It is "
                        + "served as it is; change them", service.name(), service.key(), String.join("; ", broken));
            }
        }
    }

    private List<String> refusedAtRestore(ServiceTable table, Service service) {
        List<String> broken = new ArrayList<>();
        InetAddress vip = service.key().vip();
        String vipRule = AddressRules.refusedAsVip(vip);
        if (vipRule != null) {
            broken.add("vip " + vipRule);
        }
        Service holder = properties.allowBackendOnVip() ? null : table.backendHolder(vip, service.id());
        if (holder != null) {
            broken.add("vip " + AddressRules.vipOnBackend(holder.name()));
        }
        for (Backend b : service.backends()) {
            String why = AddressRules.refusedAsBackend(b.address());
            why = why != null ? why : AddressRules.refusedBesideVip(b.address(), vip);
            why = why != null || properties.allowLoopbackBackends() ? why
                    : AddressRules.refusedLoopbackBackend(b.address());
            Service vipHolder = why != null || properties.allowBackendOnVip() ? null
                    : table.vipHolder(b.address(), service.id());
            why = vipHolder == null ? why : AddressRules.backendOnVip(vipHolder.name());
            if (why != null) {
                broken.add("backend " + IpAddresses.text(b.address()) + " " + why);
            }
        }
        return broken;
    }
}
