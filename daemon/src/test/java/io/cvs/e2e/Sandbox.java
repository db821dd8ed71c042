package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

/**
 * Network namespaces of one test run, named {@code cvse2e-<pid>-<role>}: a client namespace with only veth links to
 * each backend's namespace and no default route, so an untranslated VIP fails here instead of leaving the machine.
 * Backends listen on private addresses 10.79.<i>.2 (the client's end is 10.79.<i>.1), and on fd00:79:<i>::2 (the
 * client's end fd00:79:<i>::1, without duplicate address detection, so usable at once); no default route in
 * either family. {@link #close()} kills every process it started and deletes every namespace, whatever happened
 * before.
 */
final class Sandbox implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final String prefix = "cvse2e-" + ProcessHandle.current().pid();
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private int extraClients;

    String client() {
        return prefix + "-cl";
    }

    String backendNamespace(int i) {
        return prefix + "-b" + i;
    }

    static String backendAddress(int i) {
        return "10.79." + i + ".2";
    }

    static String backendAddress6(int i) {
        return "fd00:79:" + i + "::2";
    }

    /** The client namespace, linked to {@code backends} backend namespaces. */
    void build(int backends) {
        addNamespace(client());
        run("ip", "-n", client(), "link", "set", "lo", "up");
        for (int i = 1; i <= backends; i++) {
            String backend = backendNamespace(i);
            addNamespace(backend);
            run("ip", "link", "add", "vb" + i, "netns", client(), "type", "veth", "peer", "name", "eth0", "netns",
                    backend);
            run("ip", "-n", client(), "addr", "add", "10.79." + i + ".1/24", "dev", "vb" + i);
            run("ip", "-n", client(), "link", "set", "vb" + i, "up");
            run("ip", "-n", backend, "addr", "add", backendAddress(i) + "/24", "dev", "eth0");
            run("ip", "-n", backend, "link", "set", "eth0", "up");
            run("ip", "-n", backend, "link", "set", "lo", "up");
            run("ip", "-n", client(), "addr", "add", "fd00:79:" + i + "::1/64", "dev", "vb" + i, "nodad");
            run("ip", "-n", backend, "addr", "add", backendAddress6(i) + "/64", "dev", "eth0", "nodad");
        }
        assertThat(run("ip", "-n", client(), "route", "show", "default")).as("client default route").isBlank();
        assertThat(run("ip", "-n", client(), "-6", "route", "show", "default")).as("client IPv6 default route")
                .isBlank();
    }

    /**
     * Another client namespace, {@code cvse2e-<pid>-<role>}, built like {@link #client()} but with links of its
     * own: a veth to each of the first {@code backends} backend namespaces on 10.(80+n).i.0/24 (its end .1, the
     * backend's eth(1+n) .2, n the how-many-th extra client this is) and a /32 route to that backend's address
     * through it; no default route in either family. Returns its name.
     */
    String addClient(String role, int backends) {
        String name = prefix + "-" + role;
        int n = ++extraClients;
        addNamespace(name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        for (int i = 1; i <= backends; i++) {
            String net = "10." + (80 + n) + "." + i + ".";
            String backendEnd = "eth" + (1 + n);
            run("ip", "link", "add", "vb" + i, "netns", name, "type", "veth", "peer", "name", backendEnd, "netns",
                    backendNamespace(i));
            run("ip", "-n", name, "addr", "add", net + "1/24", "dev", "vb" + i);
            run("ip", "-n", name, "link", "set", "vb" + i, "up");
            run("ip", "-n", backendNamespace(i), "addr", "add", net + "2/24", "dev", backendEnd);
            run("ip", "-n", backendNamespace(i), "link", "set", backendEnd, "up");
            run("ip", "-n", name, "route", "add", backendAddress(i) + "/32", "via", net + "2", "dev", "vb" + i);
        }
        assertThat(run("ip", "-n", name, "route", "show", "default")).as(role + " default route").isBlank();
        assertThat(run("ip", "-n", name, "-6", "route", "show", "default")).as(role + " IPv6 default route")
                .isBlank();
        return name;
    }

    /** Starts command in backend namespace i; {@link #close()} kills it and its children. */
    Process startInBackend(int i, String... command) {
        List<String> inNamespace = new ArrayList<>(List.of("ip", "netns", "exec", backendNamespace(i)));
        inNamespace.addAll(List.of(command));
        Process process = start(inNamespace.toArray(String[]::new));
        processes.add(process);
        return process;
    }

    /**
     * A TCP server in backend namespace i that greets each connection with {@code greeting} and closes it; returns
     * once it listens. {@link #stopServing} ends it early.
     */
    Process serve(int i, int port, String greeting) {
        Process server = start("ip", "netns", "exec", backendNamespace(i), "socat",
                "TCP-LISTEN:" + port + ",bind=" + backendAddress(i) + ",reuseaddr,fork", "SYSTEM:echo " + greeting);
        processes.add(server);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(
                () -> !run("ip", "netns", "exec", backendNamespace(i), "ss", "-Hltn", "sport = :" + port).isBlank());
        return server;
    }

    /** Like {@link #serve}, on backend i's IPv6 address. */
    Process serve6(int i, int port, String greeting) {
        Process server = start("ip", "netns", "exec", backendNamespace(i), "socat",
                "TCP6-LISTEN:" + port + ",bind=[" + backendAddress6(i) + "],reuseaddr,fork", "SYSTEM:echo " + greeting);
        processes.add(server);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(
                () -> !run("ip", "netns", "exec", backendNamespace(i), "ss", "-Hltn", "sport = :" + port).isBlank());
        return server;
    }

    /** Stops a server of {@link #serve} and waits until nothing listens on its port any more. */
    void stopServing(Process server, int i, int port) throws InterruptedException {
        server.descendants().forEach(ProcessHandle::destroyForcibly);
        server.destroyForcibly();
        server.waitFor(5, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(
                () -> run("ip", "netns", "exec", backendNamespace(i), "ss", "-Hltn", "sport = :" + port).isBlank());
    }

    /**
     * Lets this host's own namespace reach backend i (as a host reaches its containers), for the daemon's health
     * probes: a veth into the backend namespace on 10.79.(100+i).0/30 and a /32 route to the backend's address,
     * nothing wider. Both go when the namespace is deleted.
     */
    void linkToHost(int i) {
        String hostEnd = "cvh" + (ProcessHandle.current().pid() % 100_000) + "b" + i;
        String net = "10.79." + (100 + i) + ".";
        run("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth1", "netns", backendNamespace(i));
        run("ip", "addr", "add", net + "1/30", "dev", hostEnd);
        run("ip", "link", "set", hostEnd, "up");
        run("ip", "-n", backendNamespace(i), "addr", "add", net + "2/30", "dev", "eth1");
        run("ip", "-n", backendNamespace(i), "link", "set", "eth1", "up");
        run("ip", "route", "add", backendAddress(i) + "/32", "via", net + "2", "dev", hostEnd);
    }

    /**
     * Like {@link #serve}, and each accepted connection first appends a line to {@code accepted}, so the test can
     * count what this backend saw on its own side, whatever the clients report.
     */
    void serveCounting(int i, int port, String greeting, Path accepted) {
        processes.add(start("ip", "netns", "exec", backendNamespace(i), "socat",
                "TCP-LISTEN:" + port + ",bind=" + backendAddress(i) + ",reuseaddr,fork",
                "SYSTEM:echo accepted >> " + accepted + "; echo " + greeting));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(
                () -> !run("ip", "netns", "exec", backendNamespace(i), "ss", "-Hltn", "sport = :" + port).isBlank());
    }

    /**
     * A UDP sink in backend namespace i on port: appends each datagram it receives to {@code received}, so the test
     * sees what reached this backend. Returns once it is bound.
     */
    void sinkUdp(int i, int port, Path received) {
        processes.add(start("ip", "netns", "exec", backendNamespace(i), "socat", "-u",
                "UDP-RECV:" + port + ",bind=" + backendAddress(i), "OPEN:" + received + ",creat,append"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(
                () -> !run("ip", "netns", "exec", backendNamespace(i), "ss", "-Hlun", "sport = :" + port).isBlank());
    }

    /**
     * Connects from the client namespace, as a process of {@code cgroup} (where the socket-LB programs are), to
     * {@code address:port}, and returns what the server sent before closing, or fails after a bounded time.
     */
    String connect(Path cgroup, String address, int port) throws Exception {
        Process client = runClient(cgroup, address, port);
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.exitValue()).as("client exit; stderr: %s", err).isZero();
        return out.trim();
    }

    /** Like {@link #connect}, for a connection that must fail: its exit status and error output. */
    String connectionFailure(Path cgroup, String address, int port) throws Exception {
        Process client = runClient(cgroup, address, port);
        String err = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.exitValue()).as("client exit").isNotZero();
        return err;
    }

    /**
     * Starts {@code bash -c script} in the client namespace as a process of {@code cgroup}, so that its connect()
     * calls go through the socket-LB programs there; {@link #close()} kills it and its children.
     */
    Process startClient(Path cgroup, String script) {
        return startClientIn(client(), cgroup, script);
    }

    /** Like {@link #startClient}, in another client namespace ({@link #addClient}). */
    Process startClientIn(String namespace, Path cgroup, String script) {
        Process client = start("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec ip netns exec "
                + namespace + " bash -c \"$1\"", "sh", script);
        processes.add(client);
        return client;
    }

    private Process runClient(Path cgroup, String address, int port) throws Exception {
        String target = address.contains(":") ? "TCP6:[" + address + "]:" + port : "TCP:" + address + ":" + port;
        Process client = startClient(cgroup, "exec socat -T2 -u " + target + ",connect-timeout=2 STDOUT");
        if (!client.waitFor(10, TimeUnit.SECONDS)) {
            client.descendants().forEach(ProcessHandle::destroyForcibly);
            client.destroyForcibly();
            throw new AssertionError("the client did not finish within 10 s");
        }
        return client;
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            runQuietly("ip", "netns", "del", namespaces.get(i));
        }
    }

    private void addNamespace(String name) {
        run("ip", "netns", "add", name);
        namespaces.add(name);
    }

    private static Process start(String... command) {
        try {
            return new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        }
    }

    /** Runs a command to its end within a bounded time; fails with its output unless it exits 0. */
    static String run(String... command) {
        Process process = start(command);
        try {
            process.getOutputStream().close();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ": " + err);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void runQuietly(String... command) {
        try {
            run(command);
        } catch (AssertionError | RuntimeException e) {
            System.err.println("cleanup: " + e.getMessage());
        }
    }
}
