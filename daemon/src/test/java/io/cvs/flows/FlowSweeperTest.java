package io.cvs.flows;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Endpoint;
import io.cvs.datapath.Flows;
import io.cvs.datapath.ServiceKey;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sweeps run one at a time off the caller's thread, coalesce, reset the RESET services' TCP, and count by reason. */
class FlowSweeperTest {

    private static final ServiceKey WEB = tcp("192.0.2.10", 80);
    private static final ServiceKey API = tcp("192.0.2.11", 80);
    private static final ServiceKey GONE = tcp("192.0.2.12", 80);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<Set<ServiceKey>> calls = new CopyOnWriteArrayList<>();
    private volatile FlowSweeper.State state = new FlowSweeper.State(ServiceTable.EMPTY, DownBackends.NONE);
    private FlowSweeper sweeper;

    @AfterEach
    void close() {
        sweeper.close();
    }

    private FlowSweeper sweeper(Function<Set<ServiceKey>, List<Flows.Ended>> sweep) {
        sweeper = new FlowSweeper(resetTcp -> {
            calls.add(resetTcp);
            return sweep.apply(resetTcp);
        }, () -> state, new FlowMetrics(meters));
        return sweeper;
    }

    private static Service service(String id, String name, ServiceKey key, OnBackendRemoval policy, String... backends) {
        return new Service(id, 1, new ServiceConfig(name, key,
                List.of(backends).stream().map(b -> backend(b, 8080, 1)).toList(), new TreeMap<>(), null, policy));
    }

    private static Flows.Ended ended(ServiceKey key, String backend, int tcp, int udp) {
        return new Flows.Ended(key, new Endpoint(ip(backend), 8080), tcp, udp);
    }

    private double terminated(String service, String backend, String reason) {
        var counter = meters.find("cvs.flows.terminated").tags("service", service, "backend", backend, "reason",
                reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void requestsWhileOneSweepRunsBecomeOnePendingSweep() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sweeper(resetTcp -> {
            running.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        });

        sweeper.request(SweepEvent.at(System.nanoTime()));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 5; i++) {
            sweeper.request(SweepEvent.at(System.nanoTime()));
        }
        release.countDown();

        assertThat(sweeper.awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(calls).as("the running sweep and one for the five that came meanwhile").hasSize(2);
        assertThat(meters.find("cvs.flow.sweeps").tag("result", "ok").counter().count()).isEqualTo(2);
    }

    @Test
    void theResetListIsEveryResetServiceAndTheDeletedResetOnesWhoseAddressNoServiceTook() throws Exception {
        Service web = service("svc-1", "web", WEB, OnBackendRemoval.RESET, "10.0.0.1");
        Service api = service("svc-2", "api", API, OnBackendRemoval.KEEP, "10.0.0.2");
        Service gone = service("svc-3", "gone", GONE, OnBackendRemoval.RESET, "10.0.0.3");
        Service apiBefore = service("svc-4", "api-old", API, OnBackendRemoval.RESET, "10.0.0.4");
        state = new FlowSweeper.State(ServiceTable.of(List.of(web, api)), DownBackends.NONE);
        sweeper(resetTcp -> List.of());

        sweeper.request(new SweepEvent(System.nanoTime(), List.of(gone, apiBefore)));
        assertThat(sweeper.awaitIdle(Duration.ofSeconds(10))).isTrue();

        assertThat(calls).singleElement().isEqualTo(Set.of(WEB, GONE));
    }

    @Test
    void whatASweepEndedIsCountedByTheReasonTheStateGivesAndTimedFromTheOldestEvent() throws Exception {
        Service web = service("svc-1", "web", WEB, OnBackendRemoval.KEEP, "10.0.0.1", "10.0.0.2");
        Service gone = service("svc-3", "gone", GONE, OnBackendRemoval.KEEP, "10.0.0.3");
        state = new FlowSweeper.State(ServiceTable.of(List.of(web)),
                DownBackends.NONE.with("svc-1", BackendKey.parse("10.0.0.2:8080"), false));
        sweeper(resetTcp -> List.of(ended(WEB, "10.0.0.2", 0, 2), ended(WEB, "10.0.0.9", 1, 3),
                ended(GONE, "10.0.0.3", 0, 4), ended(API, "10.0.0.4", 0, 1), ended(WEB, "10.0.0.1", 0, 0)));

        long event = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(50);
        sweeper.request(new SweepEvent(event, List.of(gone)));
        assertThat(sweeper.awaitIdle(Duration.ofSeconds(10))).isTrue();

        assertThat(terminated("web", "10.0.0.2:8080", "down")).isEqualTo(2);
        assertThat(terminated("web", "10.0.0.9:8080", "removed")).isEqualTo(4);
        assertThat(terminated("gone", "10.0.0.3:8080", "service_deleted")).isEqualTo(4);
        assertThat(terminated("192.0.2.11:80/TCP", "10.0.0.4:8080", "service_deleted"))
                .as("a service deleted before a restart is named by its address").isEqualTo(1);
        assertThat(meters.find("cvs.flows.terminated").tags("backend", "10.0.0.1:8080").counter())
                .as("nothing ended, nothing counted").isNull();
        var cleanup = meters.find("cvs.flows.cleanup").timer();
        assertThat(cleanup.count()).isEqualTo(1);
        assertThat(cleanup.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(50);
    }

    @Test
    void aFailedSweepIsCountedAndTheNextOneRuns() throws Exception {
        boolean[] fail = {true};
        sweeper(resetTcp -> {
            if (fail[0]) {
                fail[0] = false;
                throw new IllegalStateException("injected");
            }
            return List.of();
        });

        sweeper.request(SweepEvent.at(System.nanoTime()));
        assertThat(sweeper.awaitIdle(Duration.ofSeconds(10))).isTrue();
        sweeper.request(SweepEvent.at(System.nanoTime()));
        assertThat(sweeper.awaitIdle(Duration.ofSeconds(10))).isTrue();

        assertThat(meters.find("cvs.flow.sweeps").tag("result", "failed").counter().count()).isEqualTo(1);
        assertThat(meters.find("cvs.flow.sweeps").tag("result", "ok").counter().count()).isEqualTo(1);
        assertThat(meters.find("cvs.flows.cleanup").timer().count()).as("nothing ended: not timed").isZero();
    }
}
