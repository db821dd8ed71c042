/**
 * The service model: what the daemon's desired state is made of. A {@link io.cvs.service.Service} is an id, a
 * version and a {@link io.cvs.service.ServiceConfig} (name, {@link io.cvs.datapath.ServiceKey}, backends, labels,
 * health check); {@link io.cvs.service.ServiceTable} indexes a set of them in persistent maps (a write is
 * O(log n)); {@link io.cvs.service.DownBackends} is what health checks took out of rotation;
 * {@link io.cvs.service.ServiceProblems} the domain's refusals (404, 409, 412) as problems. Values only: no
 * threads, no Spring, no I/O.
 *
 * <p>{@link io.cvs.service.ServiceDirectory} is the read side that features needing the durable services depend on
 * (traffic), instead of on the write pipeline that implements it.
 *
 * <p>May call {@code io.cvs.datapath} (the port's values), {@code io.cvs.health} (the check's configuration) and
 * {@code io.cvs.system}.
 */
package io.cvs.service;
