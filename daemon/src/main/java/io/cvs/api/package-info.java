/**
 * The services API of openapi.yaml: {@code /api/v1/services…} and {@code /api/v1/state}. Controllers, the request
 * bodies ({@link io.cvs.api.ServiceRequest}, {@link io.cvs.api.BackendSpec}, {@link io.cvs.api.BackendPut},
 * {@link io.cvs.api.HealthCheckSpec}, {@link io.cvs.api.DesiredState}) validated into the service model, the
 * response bodies ({@link io.cvs.api.ServiceResponse}, {@link io.cvs.api.ServiceHealth}), the list query, merge
 * patches and the strictness rules on JSON ({@link io.cvs.api.ExplicitNulls}).
 *
 * <p>A write goes one way: a body is validated here into a {@link io.cvs.service.ServiceConfig} (400 naming each
 * field), then handed to {@link io.cvs.write.ServiceRegistry}, whose answer (or problem) this package returns.
 * Reads come from the registry's published state, counters from {@code io.cvs.traffic}, health from
 * {@code io.cvs.health}.
 *
 * <p>May call {@code io.cvs.write}, {@code io.cvs.service}, {@code io.cvs.traffic}, {@code io.cvs.health},
 * {@code io.cvs.datapath} (the port's values) and {@code io.cvs.system}. Nothing calls it but Spring MVC.
 */
package io.cvs.api;
