/**
 * Flow cleanup: no client stays on a backend that is gone. After a write that removed a backend or deleted a
 * service, a health verdict that took a backend down, and once after the first reconcile of a start,
 * {@link io.cvs.flows.FlowSweeper} asks the datapath to end the stale flows ({@link io.cvs.datapath.Flows}) on a
 * thread of its own, coalescing bursts, with the services whose {@link io.cvs.service.OnBackendRemoval} is RESET
 * as the ones whose TCP connections are reset too. What it ended is counted by reason ({@link FlowReason}), timed
 * from the event, and logged.
 *
 * <p>May call {@code io.cvs.address}, {@code io.cvs.datapath} and {@code io.cvs.service}.
 */
package io.cvs.flows;
