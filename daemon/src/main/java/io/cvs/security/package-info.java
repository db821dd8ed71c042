/**
 * Who may call the API: bearer tokens of two roles (admin writes, viewer reads), compared in constant time;
 * the admin token file made at first start when none is configured; 401 and 403 as problems; endpoints open to
 * loopback clients (health, metrics, API docs). Stateless: no sessions, cookies or CSRF tokens.
 *
 * <p>May call {@code io.cvs.system}.
 */
package io.cvs.security;
