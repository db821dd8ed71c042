package io.cvs.datapath;

import java.util.List;

/**
 * Where the socket-LB programs of a map set are attached now (struct cvs_sock_status): the cgroup's id (the
 * inode number of its directory; 0 when none) and one entry per attached program, in {@link SocketLbProgram}
 * order. A program whose cgroup was removed counts as not attached.
 */
public record SocketLbStatus(long cgroupId, List<ProgramLink> programs) {

    /** One attached program: the kernel ids of the program and of the pinned link that holds it on the cgroup. */
    public record ProgramLink(SocketLbProgram program, int programId, int linkId) {
    }

    public SocketLbStatus {
        programs = List.copyOf(programs);
    }

    /** How many of the {@link SocketLbProgram}s are attached: all of them or none, unless something broke. */
    public int attached() {
        return programs.size();
    }
}
