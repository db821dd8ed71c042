package io.cvs.datapath.bpf;

import io.cvs.datapath.Datapath.Drift;
import io.cvs.datapath.Datapath.Repair;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.MapIds;
import io.cvs.datapath.ModuleStatus;
import io.cvs.datapath.SocketLbProgram;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the chosen forwarders ({@code cvs.bpf.datapaths}) need of a map set, so that they read it: its pins (every
 * forwarder finds the set by them: cvs.ko's bind resolves them, the socket-LB's attach checks them), the socket-LB's
 * eight links pinned on the cgroup and running programs on this set, cvs.ko bound to this set. {@link #drift} looks;
 * {@link #repair} puts back what something outside the daemon removed.
 */
final class Attachment {

    private final Set<Forwarder> chosen;
    /** Where the socket-LB is attached, and attached again; null: the host's cgroup v2 root. */
    private final Path cgroup;

    Attachment(Set<Forwarder> chosen, Path cgroup) {
        this.chosen = Set.copyOf(chosen);
        this.cgroup = cgroup;
    }

    /**
     * The map pins first, then the socket-LB's links when fewer than all of them read this set, then cvs.ko's
     * binding when {@link #whyRebind} says so. A step that fails throws; the ones before it stay done.
     */
    List<Repair> repair(MapSet m) {
        List<Repair> repairs = new ArrayList<>();
        int pinned = m.repin();
        if (pinned > 0) {
            repairs.add(new Repair(Repair.Part.PINS, pinned + " of the map set's pins at " + m.pinRoot()
                    + " were missing; pinned them again from the maps the daemon holds"));
        }
        int links = chosen.contains(Forwarder.SOCKET_LB) ? m.drift().sock_links : SocketLbProgram.values().length;
        if (links < SocketLbProgram.values().length) {
            m.attachSocketLb(cgroup);
            repairs.add(new Repair(Repair.Part.SOCKET_LB, (SocketLbProgram.values().length - links)
                    + " socket-LB links were missing from " + m.pinRoot() + " or not on this map set; attached them"
                    + " again to " + (cgroup == null ? "the cgroup v2 root" : cgroup)));
        }
        if (chosen.contains(Forwarder.MODULE)) {
            Optional<String> why = whyRebind(MapSet.moduleStatus(), m.mapIds());
            if (why.isPresent()) {
                m.bindModule();
                repairs.add(new Repair(Repair.Part.MODULE, "cvs.ko " + why.get() + "; bound it to " + m.pinRoot()
                        + " again"));
            }
        }
        return repairs;
    }

    /** What the maps hold against what this writer wrote, and which chosen forwarders do not read them. */
    Drift drift(MapSet m, ModuleStatus module) {
        NativeStructs.CvsDrift d = m.drift();
        List<Forwarder> detached = new ArrayList<>();
        if (chosen.contains(Forwarder.SOCKET_LB) && d.sock_links < SocketLbProgram.values().length) {
            detached.add(Forwarder.SOCKET_LB);
        }
        if (chosen.contains(Forwarder.MODULE) && whyRebind(module, m.mapIds()).isPresent()) {
            detached.add(Forwarder.MODULE);
        }
        return new Drift(d.services, d.expected, d.missing, d.foreign, d.differing, d.backends, d.maglev_tables,
                d.pins_missing, d.pins_foreign, detached);
    }

    /**
     * Why cvs.ko must be bound to the set with ids ours, or empty when it serves it. The module holds references to
     * the maps it serves, so removed pins do not stop it; it must be bound again when it serves nothing (reloaded),
     * another set, or an orphaned copy of this one (maps that neither a pin nor user space holds any more).
     */
    static Optional<String> whyRebind(ModuleStatus module, MapIds ours) {
        if (module.serves(ours)) {
            return Optional.empty();
        }
        if (!module.loaded()) {
            return Optional.of("is not loaded");
        }
        if (!module.bound()) {
            return Optional.of("served no map set");
        }
        return Optional.of(module.orphaned() ? "served an orphaned copy of the maps" : "served another map set");
    }
}
