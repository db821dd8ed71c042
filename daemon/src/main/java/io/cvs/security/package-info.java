/**
 * Who may call the API: bearer tokens of two roles (admin writes, viewer reads), compared in constant time,
 * from the environment or from token files that must be the daemon's user's alone ({@code TokenFiles}); the admin
 * token file made at first start when none is configured; a warning for a token on the command line; 401, 403
 * and the firewall's rejections as problems; endpoints open to loopback clients (health, metrics, API docs).
 * Stateless: no sessions, cookies or CSRF tokens.
 *
 * <p>May call {@code io.cvs.system}.
 */
package io.cvs.security;
