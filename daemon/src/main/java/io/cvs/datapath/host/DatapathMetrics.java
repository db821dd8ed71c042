package io.cvs.datapath.host;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.Usage;
import io.cvs.selection.AffinityUsage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The datapath's own meters: how full its maps are ({@code cvs_map_entries} and {@code cvs_map_max_entries} with
 * {@code map=services|backends}, read from {@link Datapath#status()} at each scrape) and which datapath this is
 * ({@code cvs_datapath_info{mode, forwarders} 1}, fixed at start: the forwarders chosen by
 * {@code cvs.bpf.datapaths}, "none" for memory; which of them are active is the health endpoint's business).
 * Maglev regions count as {@code map=maglev_tables}. Session affinity entries: {@code cvs_affinity_entries}
 * ({@code state=all|fresh}: fresh ones were used within their service's current timeout) and
 * {@code cvs_affinity_max_entries}, from one batched read of the LRU map per scrape (cvs_affinity_usage).
 */
final class DatapathMetrics implements MeterBinder {

    /** One read of the affinity map serves the gauges of one scrape, which are read one after another. */
    private static final long AFFINITY_READ_NANOS = 1_000_000_000L;

    private final Datapath datapath;
    private volatile AffinityRead affinity = new AffinityRead(null, Long.MIN_VALUE);

    private record AffinityRead(AffinityUsage usage, long readAt) {
    }

    DatapathMetrics(Datapath datapath) {
        this.datapath = datapath;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        map(registry, "services", Usage::services, usage -> usage.max().maxServices());
        map(registry, "backends", Usage::backends, usage -> usage.max().maxBackends());
        map(registry, "maglev_tables", Usage::maglevTables, usage -> usage.max().maglevTables());
        Gauge.builder("cvs.affinity.entries", () -> affinity(AffinityUsage::entries))
                .description("Session affinity entries in the datapath's LRU map")
                .tag("state", "all")
                .register(registry);
        Gauge.builder("cvs.affinity.entries", () -> affinity(AffinityUsage::fresh))
                .description("Session affinity entries in the datapath's LRU map")
                .tag("state", "fresh")
                .register(registry);
        Gauge.builder("cvs.affinity.max.entries", () -> affinity(AffinityUsage::capacity))
                .description("Session affinity entries the map holds before the least recently used go")
                .register(registry);
        DatapathStatus status = datapath.status();
        List<String> forwarders = status.chosen().stream().sorted().map(Forwarder::label).toList();
        Gauge.builder("cvs.datapath.info", () -> 1)
                .description("Which datapath writes the maps (mode) and which forwarders were chosen to read them")
                .tag("mode", status.mode().label())
                .tag("forwarders", forwarders.isEmpty() ? "none" : String.join(",", forwarders))
                .register(registry);
    }

    /** NaN when the map cannot be read: a scrape shows the gap rather than a made-up zero. */
    private double affinity(ToLongFunction<AffinityUsage> field) {
        AffinityRead last = affinity;
        long now = System.nanoTime();
        if (last.usage() == null || now - last.readAt() > AFFINITY_READ_NANOS) {
            try {
                last = new AffinityRead(datapath.affinityUsage(), now);
                affinity = last;
            } catch (DatapathException e) {
                return Double.NaN;
            }
        }
        return field.applyAsLong(last.usage());
    }

    private void map(MeterRegistry registry, String map, ToIntFunction<Usage> used, ToIntFunction<Usage> max) {
        Gauge.builder("cvs.map.entries", () -> used.applyAsInt(datapath.status().usage()))
                .description("Entries in use in the datapath's maps: service ids or backend ids")
                .tag("map", map)
                .register(registry);
        Gauge.builder("cvs.map.max.entries", () -> max.applyAsInt(datapath.status().usage()))
                .description("Entries the datapath's maps were created with room for")
                .tag("map", map)
                .register(registry);
    }
}
