package io.cvs.datapath;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.datapath.bpf.Capacity;
import io.cvs.datapath.bpf.SocketLbStatus;
import io.cvs.datapath.bpf.Usage;
import java.util.List;

/**
 * {@code GET /api/v1/datapath}: which datapath runs, why it is memory when BPF was wanted, where the socket-LB
 * programs are attached and how full the datapath is.
 *
 * @param mode     {@code bpf} or {@code memory}
 * @param reason   only when the datapath fell back to memory: what the host lacks for BPF
 * @param socketLb the socket-LB programs (none for memory)
 * @param capacity used and maximum counts, fixed when the maps were created
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record DatapathResponse(String mode, String reason, SocketLb socketLb, CapacityUse capacity) {

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
     */
    record CapacityUse(Count services, Count backends, int maxBackendsPerService, int selectionSlots) {
    }

    record Count(int used, int max) {
    }

    static DatapathResponse of(DatapathStatus status) {
        SocketLbStatus socketLb = status.socketLb();
        Usage usage = status.usage();
        Capacity max = usage.max();
        return new DatapathResponse(status.mode().label(), status.fallbackReason().orElse(null),
                new SocketLb(status.socketLbAttached(), socketLb.cgroupId(),
                        socketLb.programs().stream()
                                .map(p -> new Program(p.program().attachType(), p.programId(), p.linkId()))
                                .toList()),
                new CapacityUse(new Count(usage.services(), max.maxServices()),
                        new Count(usage.backends(), max.maxBackends()), max.maxMembers(), max.tableSlots()));
    }
}
