package io.cvs.datapath.host;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Flows;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.ModuleStatus;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.Usage;
import io.cvs.ownership.JournalMismatch;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /api/v1/datapath}: which datapath runs, why it is memory when BPF was wanted, which forwarders were
 * chosen and which read the maps now, where the socket-LB programs are attached, what cvs.ko serves, and how full
 * the datapath is.
 *
 * @param mode     {@code bpf} or {@code memory}
 * @param reason   only when the datapath fell back to memory: what the host lacks for BPF
 * @param chosen   the forwarders {@code cvs.bpf.datapaths} asks for (none for memory)
 * @param active   the forwarders that read the maps now
 * @param socketLb the socket-LB programs (none for memory)
 * @param module   cvs.ko; only for bpf
 * @param capacity used and maximum counts, fixed when the maps were created
 * @param flows    how flows to a backend that left a service are ended here
 * @param journalMismatch only while the maps' owner record does not match the journal (docs/design.md, "Start"):
 *                 services the journal lacks are kept until POST /api/v1/datapath/reconcile?prune=true
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record DatapathResponse(String mode, String reason, List<String> chosen, List<String> active, SocketLb socketLb,
        Module module, CapacityUse capacity, FlowSweeps flows, JournalMismatch journalMismatch) {

    DatapathResponse withJournalMismatch(JournalMismatch mismatch) {
        return new DatapathResponse(mode, reason, chosen, active, socketLb, module, capacity, flows, mismatch);
    }

    /**
     * @param mechanism      how the socket-LB's sockets are ended: bpf_iter, netlink or none
     * @param reverseMapping how a socket's backend is found again: socket or lru
     * @param moduleSweeps   whether cvs.ko is loaded and deletes its conntrack entries of stale flows
     */
    record FlowSweeps(String mechanism, String reverseMapping, boolean moduleSweeps) {

        static FlowSweeps of(Flows.Support support) {
            return new FlowSweeps(support.mechanism().name().toLowerCase(Locale.ROOT),
                    support.reverseMapping().name().toLowerCase(Locale.ROOT), support.moduleSweeps());
        }
    }

    /**
     * @param loaded       whether the module is loaded
     * @param bound        whether it serves a map set
     * @param servesThis   whether that map set is this daemon's
     * @param orphaned     whether the maps it holds are gone from bpffs and user space (it must be bound again)
     * @param binds        binds that succeeded since it was loaded
     * @param bindErrors   bind requests it refused
     * @param lookupErrors new connections refused because the maps kept changing or were inconsistent
     * @param natErrors    connections conntrack could not DNAT
     */
    record Module(boolean loaded, boolean bound, boolean servesThis, boolean orphaned, long binds, long bindErrors,
            long lookupErrors, long natErrors) {
    }

    /**
     * @param attached whether every socket-LB program is attached
     * @param cgroupId id (inode number) of the cgroup they are attached to; 0 when none
     * @param programs the attached programs
     */
    record SocketLb(boolean attached, long cgroupId, List<Program> programs) {
    }

    /**
     * @param name      attach type: connect4, sendmsg4, recvmsg4 or getpeername4
     * @param programId kernel id of the program
     * @param linkId    kernel id of the pinned link that holds it on the cgroup
     */
    record Program(String name, int programId, int linkId) {
    }

    /**
     * @param services              services in use and at most
     * @param backends              backends in use and at most, across all services
     * @param maxBackendsPerService backends one service may have
     * @param selectionSlots        selection table slots per service (weights are shares of these)
     * @param affinityEntries       session affinity entries the maps hold at most
     * @param maglevTables          Maglev regions in use (MAGLEV services) and at most
     * @param maglevSlots           the largest Maglev table the maps have room for
     */
    record CapacityUse(Count services, Count backends, int maxBackendsPerService, int selectionSlots,
            int affinityEntries, Count maglevTables, int maglevSlots) {
    }

    record Count(int used, int max) {
    }

    static DatapathResponse of(DatapathStatus status, Flows.Support flows) {
        return of(status, status.usage(), flows);
    }

    /** With usage in place of the status's own (what the maps hold, rather than the ids the daemon gave out). */
    static DatapathResponse of(DatapathStatus status, Usage usage, Flows.Support flows) {
        SocketLbStatus socketLb = status.socketLb();
        Capacity max = usage.max();
        ModuleStatus m = status.module();
        Module module = status.mode() != DatapathMode.BPF ? null : new Module(m.loaded(), m.bound(),
                status.mapIds() != null && m.serves(status.mapIds()), m.orphaned(), m.binds(), m.bindErrors(),
                m.lookupErrors(), m.natErrors());
        return new DatapathResponse(status.mode().label(), status.fallbackReason().orElse(null),
                labels(status.chosen().stream().sorted().toList()), labels(status.active()),
                new SocketLb(status.socketLbAttached(), socketLb.cgroupId(),
                        socketLb.programs().stream()
                                .map(p -> new Program(p.program().attachType(), p.programId(), p.linkId()))
                                .toList()),
                module,
                new CapacityUse(new Count(usage.services(), max.maxServices()),
                        new Count(usage.backends(), max.maxBackends()), max.maxMembers(), max.tableSlots(),
                        max.affinityEntries(), new Count(usage.maglevTables(), max.maglevTables()),
                        max.maglevSlots()),
                FlowSweeps.of(flows), null);
    }

    private static List<String> labels(List<Forwarder> forwarders) {
        return forwarders.stream().map(Forwarder::label).toList();
    }
}
