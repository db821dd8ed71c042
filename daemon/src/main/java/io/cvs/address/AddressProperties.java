package io.cvs.address;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which addresses that can only hurt on a production host are let through anyway, bound at {@code cvs.addresses}.
 *
 * @param allowLoopbackBackends backends in 127.0.0.0/8 or ::1 (default false). Through one, a VIP reaches this
 *                              host's own services, the daemon's API among them; development hosts and tests,
 *                              whose health-checked backends listen on loopback, allow it
 * @param allowBackendOnVip     a backend whose address is another service's VIP, and a VIP that is another
 *                              service's backend (default false). The datapath translates a connection once, so
 *                              such a backend is reached as an address, not as that service
 * @param localVipCheckInterval how often the VIPs are compared with the addresses of this host's interfaces
 *                              (default 30s): a VIP that became local is logged at WARN and named by the
 *                              {@code localVips} health component
 */
@ConfigurationProperties("cvs.addresses")
public record AddressProperties(@DefaultValue("false") boolean allowLoopbackBackends,
        @DefaultValue("false") boolean allowBackendOnVip, @DefaultValue("30s") Duration localVipCheckInterval) {

    /** What a host that set nothing gets. */
    public static final AddressProperties DEFAULTS = new AddressProperties(false, false, Duration.ofSeconds(30));

    public AddressProperties {
        if (localVipCheckInterval == null || localVipCheckInterval.isNegative() || localVipCheckInterval.isZero()) {
            throw new IllegalArgumentException("cvs.addresses.local-vip-check-interval must be positive, not "
                    + localVipCheckInterval);
        }
    }
}
