package io.cvs;

import io.cvs.datapath.bpf.BpfMapException;
import io.cvs.datapath.bpf.Capacity;
import io.cvs.datapath.bpf.MapSet;
import io.cvs.datapath.bpf.OpenMode;
import io.cvs.datapath.bpf.ServiceKey;
import io.cvs.datapath.bpf.SocketLbProgram;
import io.cvs.datapath.bpf.SocketLbStatus;
import io.cvs.datapath.bpf.Usage;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Prints a map set: capacity used/max, map ids, how many socket-LB programs are attached and to which cgroup,
 * and services. A stand-in until the daemon itself arrives.
 *
 * <pre>java -jar cvs-daemon.jar [--pin-root DIR] [--read-only]</pre>
 * Like the daemon it will become, it opens the map set as its writer, creating it when nothing is pinned;
 * --read-only opens it beside another writer and never creates anything.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Path pinRoot = MapSet.DEFAULT_PIN_ROOT;
        OpenMode mode = OpenMode.CREATE;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--pin-root") && i + 1 < args.length) {
                pinRoot = Path.of(args[++i]);
            } else if (args[i].equals("--read-only")) {
                mode = OpenMode.READ_ONLY;
            } else {
                System.err.println("usage: cvs-daemon [--pin-root DIR] [--read-only]");
                System.exit(2);
            }
        }
        try (MapSet maps = MapSet.open(pinRoot, Capacity.AS_PINNED_OR_DEFAULT, mode)) {
            print(maps, System.out);
        } catch (BpfMapException e) {
            System.err.println("cvs: " + pinRoot + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static void print(MapSet maps, PrintStream out) {
        Usage usage = maps.usage();
        Capacity max = usage.max();
        out.printf("pin root  %s%n", maps.pinRoot());
        out.printf("services  %d/%d%n", usage.services(), max.maxServices());
        out.printf("backends  %d/%d (at most %d per service, %d selection slots)%n", usage.backends(),
                max.maxBackends(), max.maxMembers(), max.tableSlots());
        out.printf("map ids   %s%n", maps.mapIds());
        SocketLbStatus socketLb = maps.socketLbStatus();
        out.printf("socket-lb %d/%d programs attached, cgroup id %d%n", socketLb.attached(),
                SocketLbProgram.values().length, socketLb.cgroupId());
        for (ServiceKey key : maps.list()) {
            maps.get(key).ifPresent(service -> out.printf("%s  id %d gen %d slots %d  %s%n", key, service.id(),
                    service.generation(), service.slots(), service.backends()));
        }
    }
}
