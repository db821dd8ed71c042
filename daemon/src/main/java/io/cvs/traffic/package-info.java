/**
 * Traffic: the datapath's counters per service and backend as Prometheus series
 * ({@link io.cvs.traffic.TrafficCollector}, read at scrape time), as the exact counts and recent rates of
 * {@code GET …/stats} ({@link io.cvs.traffic.ServiceStats}, {@link io.cvs.traffic.TrafficRates}), and the
 * alignment of counters with a service's configured backends ({@link io.cvs.traffic.AlignedCounters}).
 *
 * <p>Reads the durable services through {@link io.cvs.service.ServiceDirectory}, never the write pipeline.
 * May call {@code io.cvs.service}, {@code io.cvs.datapath} and {@code io.cvs.system}.
 */
package io.cvs.traffic;
