/**
 * Services and their backends: the desired state ({@link io.cvs.service.ServiceRegistry}), its validation, and the
 * {@code /api/v1/services} endpoints of openapi.yaml. Every write is checked in full, then applied to the
 * {@link io.cvs.datapath.Datapath}, then published; a write that fails changes neither.
 *
 * <p>May call {@code io.cvs.datapath} (the port and its value records) and {@code io.cvs.system} (problem types).
 */
package io.cvs.service;
