/**
 * Active health checks: {@link io.cvs.health.HealthCheck}, a service's validated check (part of its configuration),
 * and {@link io.cvs.health.HealthMonitor}, which probes each backend with it and tells a
 * {@link io.cvs.health.HealthListener} when one goes up or down. Health decides which backends are selectable,
 * never what is configured: the write path turns the listener's calls into datapath changes.
 *
 * <h2>Threads</h2>
 * One thread ({@code cvs-health-probes}, {@link io.cvs.health.ProbeLoop}) runs every probe on one NIO selector and
 * owns every target's state; a second ({@code cvs-health-events}) calls the listener, one call at a time, so that a
 * slow listener delays no probe. {@link io.cvs.health.HealthMonitor#update} and
 * {@link io.cvs.health.HealthMonitor#health} may be called from any thread.
 *
 * <h2>Probes</h2>
 * To the backend's address, at the check's port or else the backend's, each with a hard timeout:
 * <ul>
 * <li>TCP: the connect completes.</li>
 * <li>HTTP, HTTPS: {@code GET path} with {@code Host: address:port} and {@code Connection: close} on a new
 *     connection; the status is in [statusMin, statusMax]. Only the status line is read. HTTPS verifies neither
 *     certificate nor name ({@link io.cvs.health.UnverifiedTls}).</li>
 * <li>UDP: the {@code send} datagram from a connected socket; a reply starting with {@code expect} (any reply when
 *     empty) passes; an ICMP port unreachable fails at once.</li>
 * </ul>
 * TCP connections (HTTP ones too) end with a reset (SO_LINGER 0), so the prober keeps no TIME_WAIT sockets.
 *
 * <p>Calls nothing else of the daemon; the write pipeline ({@code io.cvs.write}) and the API call it.
 */
package io.cvs.health;
