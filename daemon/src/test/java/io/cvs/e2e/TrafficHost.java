package io.cvs.e2e;

import io.cvs.BpfDaemonHome;
import java.nio.file.Path;

/**
 * What a test that runs daemons under traffic needs of this host: a pin directory and a cgroup of its own for the
 * daemons, and a sandbox whose backend i serves greeting {@code b<i>} on port. {@link #close()} undoes all of it,
 * after the test closed its daemons (detaching needs the writer lock they hold); a part that setup never made is
 * skipped. Needs {@code ip}, {@code socat}, {@code ss} and {@code bash} (see {@link EndToEndTools}).
 */
record TrafficHost(Path pinDir, Path cgroup, Sandbox sandbox) implements AutoCloseable {

    static TrafficHost start(String name, int backends, int port) throws Exception {
        TrafficHost host = build(name, backends);
        try {
            for (int i = 1; i <= backends; i++) {
                host.sandbox().serve(i, port, "b" + i);
            }
        } catch (Exception | AssertionError e) {
            host.close();
            throw e;
        }
        return host;
    }

    /** Like {@link #start}, with no server yet: the test starts its own. */
    static TrafficHost build(String name, int backends) throws Exception {
        EndToEndTools.require("ip", "socat", "ss", "bash");
        Path pinDir = BpfDaemonHome.pinDir(name);
        Path cgroup = BpfDaemonHome.createCgroup(name);
        Sandbox sandbox = new Sandbox();
        TrafficHost host = new TrafficHost(pinDir, cgroup, sandbox);
        try {
            sandbox.build(backends);
        } catch (Exception | AssertionError e) {
            host.close();
            throw e;
        }
        return host;
    }

    @Override
    public void close() throws Exception {
        try {
            sandbox.close();
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }
}
