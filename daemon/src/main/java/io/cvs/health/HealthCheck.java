package io.cvs.health;

import java.time.Duration;
import java.util.Objects;

/**
 * How a service's backends are probed, validated: part of the service's configuration, so it is journaled with
 * it. A backend goes down after {@code fall} failed probes in a row and comes back after {@code rise} good ones.
 *
 * @param port       where to probe; 0 means each backend's own port
 * @param path       HTTP(S) only: the request path
 * @param statusMin  HTTP(S) only: the lowest status that passes
 * @param statusMax  HTTP(S) only: the highest status that passes
 * @param send       UDP only: the datagram sent (UTF-8)
 * @param expect     UDP only: the reply passes when it starts with this (UTF-8); empty accepts any reply
 */
public record HealthCheck(Type type, int port, Duration interval, Duration timeout, int rise, int fall,
        InitialState initialState, WhenAllDown whenAllDown, String path, int statusMin, int statusMax, String send,
        String expect) {

    public enum Type {
        TCP,
        HTTP,
        HTTPS,
        UDP
    }

    /** The state of a backend that has not been probed yet: a new backend, or every backend at first start. */
    public enum InitialState {
        UP,
        DOWN
    }

    /** What the datapath selects from while every backend of the service is down. */
    public enum WhenAllDown {
        /** Select from all backends as configured, as if none were checked: a broken check cannot take a service out. */
        FAIL_OPEN,
        /** Select none: new connections are refused (ECONNREFUSED, or ICMP unreachable for routed clients). */
        FAIL_CLOSED
    }

    public HealthCheck {
        Objects.requireNonNull(type);
        Objects.requireNonNull(interval);
        Objects.requireNonNull(timeout);
        Objects.requireNonNull(initialState);
        Objects.requireNonNull(whenAllDown);
        path = path == null ? "" : path;
        send = send == null ? "" : send;
        expect = expect == null ? "" : expect;
    }
}
