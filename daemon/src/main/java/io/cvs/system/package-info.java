/**
 * What every feature shares: errors as RFC 9457 problems of the kinds openapi.yaml lists
 * ({@link io.cvs.system.ProblemType}, {@link io.cvs.system.ApiErrorHandler},
 * {@link io.cvs.system.ProblemResponseWriter}; outside Spring MVC the error page,
 * {@link io.cvs.system.ErrorPageController}, and Tomcat's own errors, {@link io.cvs.system.ProblemErrorReportValve}),
 * the request body limit, and refusing to start with a clear
 * message ({@link io.cvs.system.StartupRefusedException}), and a 400 that names each field it refuses
 * ({@link io.cvs.system.Violations}, {@link io.cvs.system.InvalidRequestException}).
 *
 * <p>Calls no feature package.
 */
package io.cvs.system;
