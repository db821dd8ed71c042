package io.cvs.traffic;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.service.Service;
import io.cvs.service.ServiceDirectory;
import io.cvs.system.PeriodicTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * Recent rates, as ipvsadm's {@code --rate} shows them from the kernel's estimator: every
 * {@code cvs.stats.rate-interval} one pass reads every service's counters (one read of the datapath for all), and a rate is
 * the change between the last two passes divided by the time between them. Only those two samples are kept, three
 * longs per backend each, so memory is bounded by configuration. The counters in a stats answer are read at request
 * time and exact; only the rates come from here.
 */
public final class TrafficRates extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(TrafficRates.class);

    /** All services' counters at one instant. */
    private record Sample(Instant at, Map<String, ServiceSample> byId) {
    }

    private record Samples(Sample previous, Sample latest) {
    }

    private final ServiceDirectory directory;
    private final Datapath datapath;
    private final Clock clock;
    private final Duration interval;
    private volatile Samples samples = new Samples(null, null);

    public TrafficRates(ServiceDirectory directory, Datapath datapath, Clock clock, Duration interval) {
        super("cvs-rates", Duration.ZERO, interval);
        this.directory = directory;
        this.datapath = datapath;
        this.clock = clock;
        this.interval = interval;
    }

    /** The service's rates over the last window; empty before two samples, or when it was not in the last one. */
    public Optional<RecentRate> of(Service service) {
        Samples now = samples;
        if (now.previous() == null) {
            return Optional.empty();
        }
        ServiceSample latest = now.latest().byId().get(service.id());
        if (latest == null) {
            return Optional.empty();
        }
        ServiceSample before = now.previous().byId().get(service.id());
        if (before != null && !before.service().key().equals(latest.service().key())) {
            before = null;
        }
        return Optional.of(latest.since(before, now.previous().at(), now.latest().at()));
    }

    /** One pass: reads every published service's counters and makes them the latest sample. */
    void sample() {
        Instant at = clock.instant();
        DatapathStatus status = datapath.status();
        Map<String, ServiceSample> byId = new HashMap<>();
        int unreadable = 0;
        Map<ServiceKey, ServiceCounters> all = null;
        try {
            all = datapath.allCounters();
        } catch (DatapathException e) {
            log.debug("Rates: reading all counters at once failed; reading them service by service", e);
        }
        for (Service service : directory.byName().values()) {
            try {
                AlignedCounters counters = all != null
                        ? AlignedCounters.of(service.backends(), Optional.ofNullable(all.get(service.key())))
                        : AlignedCounters.read(service, datapath);
                byId.put(service.id(), ServiceSample.of(service, counters, status));
            } catch (DatapathException e) {
                unreadable++;
            }
        }
        if (unreadable > 0) {
            log.warn("Rates: the counters of {} service(s) could not be read; they have no rate this window",
                    unreadable);
        }
        samples = new Samples(samples.latest(), new Sample(at, byId));
    }

    @Override
    protected void runOnce() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.warn("Rates: sampling the counters failed; trying again in {}", interval, e);
        }
    }
}
