package io.cvs.datapath.bpf;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/** Names and texts of errno values, from the C library itself rather than a copied table. */
final class Errno {

    /** Linux's values (asm-generic/errno.h), the one platform the library is built for. */
    static final int ENOENT = 2;
    static final int ENODEV = 19;
    static final int EBADMSG = 74;
    static final int EOPNOTSUPP = 95;
    static final int ENOBUFS = 105;
    static final int ESTALE = 116;

    static {
        Native.register(Errno.class, Platform.C_LIBRARY_NAME);
    }

    private Errno() {
    }

    /** "EINVAL" for 22; "errno N" for a value the C library has no name for. */
    static String name(int errno) {
        String name = strerrorname_np(errno);
        return name != null ? name : "errno " + errno;
    }

    static String describe(int errno) {
        return strerror(errno);
    }

    /** Thread-safe for known values in glibc (a constant string), which is all libcvsbpf returns. */
    private static native String strerror(int errnum);

    /** glibc 2.32 and later. */
    private static native String strerrorname_np(int errnum);
}
