package io.cvs.health;

import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.testing.Addresses;
import java.time.Duration;

/** Health checks and targets for tests, short to write: {@code Checks.http("/healthz").rise(2).build()}. */
final class Checks {

    private Type type;
    private int port;
    private Duration interval = Duration.ofMillis(100);
    private Duration timeout = Duration.ofMillis(500);
    private int rise = 1;
    private int fall = 1;
    private String path = "";
    private int statusMin = 200;
    private int statusMax = 399;
    private String send = "";
    private String expect = "";

    private Checks(Type type) {
        this.type = type;
    }

    static Checks tcp() {
        return new Checks(Type.TCP);
    }

    static Checks http(String path) {
        Checks checks = new Checks(Type.HTTP);
        checks.path = path;
        return checks;
    }

    static Checks https(String path) {
        Checks checks = http(path);
        checks.type = Type.HTTPS;
        return checks;
    }

    static Checks udp(String send, String expect) {
        Checks checks = new Checks(Type.UDP);
        checks.send = send;
        checks.expect = expect;
        return checks;
    }

    Checks port(int port) {
        this.port = port;
        return this;
    }

    Checks interval(long millis) {
        this.interval = Duration.ofMillis(millis);
        return this;
    }

    Checks timeout(long millis) {
        this.timeout = Duration.ofMillis(millis);
        return this;
    }

    Checks rise(int rise) {
        this.rise = rise;
        return this;
    }

    Checks fall(int fall) {
        this.fall = fall;
        return this;
    }

    Checks status(int min, int max) {
        this.statusMin = min;
        this.statusMax = max;
        return this;
    }

    HealthCheck build() {
        return new HealthCheck(type, port, interval, timeout, rise, fall, InitialState.UP, WhenAllDown.FAIL_OPEN, path,
                statusMin, statusMax, send, expect);
    }

    static TargetKey key(String service, String address, int port) {
        return new TargetKey(service, Addresses.ip(address), port);
    }
}
