package io.cvs.datapath.host;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.Usage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The datapath's own meters: how full its maps are ({@code cvs_map_entries} and {@code cvs_map_max_entries} with
 * {@code map=services|backends}, read from {@link Datapath#status()} at each scrape) and which datapath this is
 * ({@code cvs_datapath_info{mode, forwarders} 1}, fixed at start: the forwarders chosen by
 * {@code cvs.bpf.datapaths}, "none" for memory; which of them are active is the health endpoint's business).
 */
final class DatapathMetrics implements MeterBinder {

    private final Datapath datapath;

    DatapathMetrics(Datapath datapath) {
        this.datapath = datapath;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        map(registry, "services", Usage::services, usage -> usage.max().maxServices());
        map(registry, "backends", Usage::backends, usage -> usage.max().maxBackends());
        DatapathStatus status = datapath.status();
        List<String> forwarders = status.chosen().stream().sorted().map(Forwarder::label).toList();
        Gauge.builder("cvs.datapath.info", () -> 1)
                .description("Which datapath writes the maps (mode) and which forwarders were chosen to read them")
                .tag("mode", status.mode().label())
                .tag("forwarders", forwarders.isEmpty() ? "none" : String.join(",", forwarders))
                .register(registry);
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
