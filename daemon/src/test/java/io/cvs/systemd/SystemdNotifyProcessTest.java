package io.cvs.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.BpfDaemonHome;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.TestJournals;
import io.cvs.process.DaemonClient;
import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import io.cvs.testing.BpfEnvironment;
import io.cvs.testing.NotifySocket;
import io.cvs.testing.NotifySocket.Datagram;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The daemon as systemd runs a {@code Type=notify} unit: a child daemon given {@code NOTIFY_SOCKET} of a socket the
 * test listens on, started on a journal that already holds services. It must say {@code READY=1} once, only when
 * the first reconcile has put the journal's services in the datapath and the HTTP server answers (looked at from
 * the receiving thread the moment the datagram arrives), ping the watchdog when asked to, say
 * {@code STOPPING=1} on SIGTERM, and send everything from its own pid (what {@code NotifyAccess=main} accepts).
 */
@ExtendWith(DaemonLogs.class)
class SystemdNotifyProcessTest {

    private static final long PID = ProcessHandle.current().pid();
    private static final Duration START = Duration.ofSeconds(60);
    private static final int SERVICES = 5;

    @Test
    void onTheMemoryDatapathReadyComesAfterTheFirstReconcileThenWatchdogPingsThenStopping() throws Exception {
        Path journal = TestJournals.freshDir("notify-memory");
        writeServices(journal);
        AtomicReference<DaemonProcess> daemon = new AtomicReference<>();
        AtomicReference<String> seenAtReady = new AtomicReference<>();
        try (NotifySocket socket = new NotifySocket("@cvs-test-notify-" + PID + "-memory", datagram -> {
            if (datagram.says("READY=1")) {
                seenAtReady.set(readinessAndReconcile(daemon.get()));
            }
        })) {
            daemon.set(DaemonProcess.launch("notify-memory", Map.of("NOTIFY_SOCKET", socket.address(),
                    "WATCHDOG_USEC", "2000000"), "--cvs.datapath=memory", "--cvs.journal.dir=" + journal));
            try (DaemonProcess child = daemon.get()) {
                Datagram ready = socket.await(d -> d.says("READY=1"), START, "saying READY=1");
                assertThat(seenAtReady.get()).as("readiness, and the reconcile component, when READY=1 arrived")
                        .isEqualTo("readiness 200, reconcile UP with " + SERVICES + " added");
                assertThat(ready.status().orElseThrow()).isEqualTo("Ready: the first reconcile put " + SERVICES
                        + " services on the memory datapath (" + SERVICES + " added, 0 fixed, 0 unchanged, 0 failed, "
                        + "0 removed), which forwards nothing");

                socket.await(d -> d.says("WATCHDOG=1"), 2, Duration.ofSeconds(10), "saying WATCHDOG=1 (one a second)");

                child.stop();
                assertThat(child.exitCode()).as("the JVM's status after SIGTERM (systemd: SuccessExitStatus=143)")
                        .isEqualTo(143);
                socket.await(d -> d.says("STOPPING=1"), Duration.ofSeconds(5), "saying STOPPING=1");
                assertOneReadyAndAllFrom(socket.received(), child.pid());
                assertThat(child.log()).contains("Told systemd: READY=1");
            }
        }
    }

    @Test
    void onTheBpfDatapathTheMapsHoldTheJournalsServicesWhenReadyArrives(@TempDir Path dir) throws Exception {
        BpfEnvironment.require();
        String name = "cvs-test-java-" + PID + "-notify";
        Path cgroup = BpfDaemonHome.createCgroup(name);
        Path pinDir = BpfDaemonHome.pinDir(name);
        Path journal = TestJournals.freshDir("notify-bpf");
        try {
            writeServices(journal);
            AtomicReference<Set<ServiceKey>> inMapsAtReady = new AtomicReference<>();
            String address = dir.resolve("notify.sock").toString();
            try (NotifySocket socket = new NotifySocket(address, datagram -> {
                if (datagram.says("READY=1")) {
                    try (BpfDatapath maps = BpfDatapath.readOnly(pinDir)) {
                        inMapsAtReady.set(Set.copyOf(maps.services()));
                    }
                }
            })) {
                // the watchdog of another process: this daemon must not ping it
                try (DaemonProcess daemon = DaemonProcess.launch("notify-bpf", Map.of("NOTIFY_SOCKET", address,
                        "WATCHDOG_USEC", "1000000", "WATCHDOG_PID", "1"), "--cvs.datapath=bpf",
                        "--cvs.journal.dir=" + journal, "--cvs.bpf.pin-dir=" + pinDir, "--cvs.bpf.cgroup=" + cgroup)) {
                    Datagram ready = socket.await(d -> d.says("READY=1"), START, "saying READY=1");
                    assertThat(inMapsAtReady.get()).as("the services in the maps when READY=1 arrived")
                            .isEqualTo(journalsKeys());
                    assertThat(ready.status().orElseThrow()).contains("Ready: the first reconcile put "
                            + SERVICES + " services on the bpf datapath (" + SERVICES + " added");

                    Thread.sleep(2_500); // two and a half of the intervals a ping would come in
                    daemon.stop();
                    assertThat(daemon.exitCode()).isEqualTo(143);
                    Datagram stopping = socket.await(d -> d.says("STOPPING=1"), Duration.ofSeconds(5),
                            "saying STOPPING=1");
                    assertThat(stopping.status().orElseThrow())
                            .contains("the pinned maps and programs keep forwarding");
                    assertThat(socket.received()).as("no watchdog ping for WATCHDOG_PID=1")
                            .noneMatch(d -> d.says("WATCHDOG=1"));
                    assertOneReadyAndAllFrom(socket.received(), daemon.pid());
                }
            }
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    /** A daemon without NOTIFY_SOCKET writes the journal the test's daemon starts on, and says nothing of systemd. */
    private static void writeServices(Path journal) {
        try (DaemonProcess writer = DaemonProcess.start("notify-journal-writer", Map.of("NOTIFY_SOCKET", ""),
                "--cvs.datapath=memory", "--cvs.journal.dir=" + journal)) {
            for (int i = 1; i <= SERVICES; i++) {
                HttpResponse<String> created = writer.http().post("/api/v1/services", "{\"name\":\"s" + i
                        + "\",\"vip\":\"198.51.100." + i + "\",\"port\":80,\"protocol\":\"TCP\",\"backends\":"
                        + "[{\"address\":\"10.0.0." + i + "\",\"port\":8080}]}");
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            }
            writer.stop();
            assertThat(writer.log()).as("a daemon that systemd did not ask to notify").doesNotContain("systemd");
        }
    }

    private static Set<ServiceKey> journalsKeys() throws UnknownHostException {
        Set<ServiceKey> keys = new HashSet<>();
        for (int i = 1; i <= SERVICES; i++) {
            keys.add(new ServiceKey(InetAddress.getByName("198.51.100." + i), 80, Protocol.TCP));
        }
        return keys;
    }

    /** What the daemon answers on readiness and its reconcile component, in a few words. */
    private static String readinessAndReconcile(DaemonProcess daemon) {
        HttpResponse<String> readiness = daemon.http().get("/actuator/health/readiness");
        JsonNode reconcile = DaemonClient.json(daemon.http().get("/actuator/health/reconcile"));
        return "readiness " + readiness.statusCode() + ", reconcile " + reconcile.path("status").asString()
                + " with " + reconcile.path("details").path("added").asInt() + " added";
    }

    /** One READY=1, no watchdog ping before it, STOPPING=1 last of all, every datagram from the daemon's pid. */
    private static void assertOneReadyAndAllFrom(List<Datagram> received, long pid) {
        List<String> said = received.stream().map(d -> d.text().lines().findFirst().orElse("")).toList();
        int ready = said.indexOf("READY=1");
        assertThat(said).as("everything the daemon said, in order").filteredOn("READY=1"::equals).hasSize(1);
        assertThat(said.subList(0, ready)).as("before READY=1").noneMatch(s -> s.startsWith("WATCHDOG")
                || s.startsWith("STOPPING"));
        assertThat(said.get(said.size() - 1)).isEqualTo("STOPPING=1");
        assertThat(received).as("senders").allSatisfy(d -> assertThat((long) d.pid()).isEqualTo(pid));
        System.out.println("The daemon said: " + received.stream().map(Datagram::text)
                .map(t -> t.replace('\n', ' ')).collect(Collectors.joining(" | ")));
    }
}
