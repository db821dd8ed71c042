package io.cvs.datapath.bpf;

/** How {@link MapSet#open} treats the pin root (enum cvs_open_flags). */
enum OpenMode {
    /** Writable; creates the map set when nothing is pinned. One writer per map set on a host. */
    CREATE(0),
    /** Writable; refuses with ENOENT when nothing is pinned. */
    EXISTING(1 << 1),
    /** Reads only, beside the writer; takes no lock, creates nothing. */
    READ_ONLY(1 << 0);

    final int flags;

    OpenMode(int flags) {
        this.flags = flags;
    }
}
