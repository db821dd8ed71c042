package io.cvs.testing;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What systemd's end of {@code NOTIFY_SOCKET} is, for tests: an {@code AF_UNIX} datagram socket bound to a path or
 * to an abstract name ({@code @name}, as systemd writes it), with {@code SO_PASSCRED} on, so each datagram comes
 * with the sender's pid as the kernel saw it (what systemd's {@code NotifyAccess=main} compares with the main pid).
 * A thread of its own receives every datagram, in order, until {@link #close()}; each receive waits at most 200 ms,
 * so closing takes no longer. Linux x86-64 only, like the daemon.
 */
public final class NotifySocket implements AutoCloseable {

    /** One datagram: when it arrived ({@link System#nanoTime()}), who sent it, and its text. */
    public record Datagram(long receivedNanos, int pid, String text) {

        /** Whether one of its lines is exactly this assignment, e.g. {@code READY=1}. */
        public boolean says(String assignment) {
            return text.lines().anyMatch(assignment::equals);
        }

        /** The value of its {@code STATUS=} line, if it has one. */
        public Optional<String> status() {
            return text.lines().filter(l -> l.startsWith("STATUS=")).map(l -> l.substring(7)).findFirst();
        }
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PASSCRED = 16;
    private static final int SO_RCVTIMEO = 20;
    private static final int SCM_CREDENTIALS = 2;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int SUN_PATH_OFFSET = 2;
    private static final Libc LIBC = Native.load("c", Libc.class);

    private final String address;
    private final int fd;
    private final List<Datagram> received = new CopyOnWriteArrayList<>();
    private final Consumer<Datagram> onEach;
    private final Thread reader;
    private volatile boolean closed;
    private volatile String failure;

    /**
     * Binds address ({@code /absolute/path} or {@code @abstract-name}: the value to give as {@code NOTIFY_SOCKET})
     * and starts receiving. onEach runs on the receiving thread as each datagram arrives, before the next is read:
     * where a test looks at the daemon at the moment it said something.
     */
    public NotifySocket(String address, Consumer<Datagram> onEach) {
        this.address = address;
        this.onEach = onEach;
        this.fd = LIBC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        check(fd, "socket");
        try {
            Memory one = new Memory(4);
            one.setInt(0, 1);
            check(LIBC.setsockopt(fd, SOL_SOCKET, SO_PASSCRED, one, 4), "SO_PASSCRED");
            Memory timeout = new Memory(16);
            timeout.setLong(0, 0);
            timeout.setLong(8, 200_000);
            check(LIBC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16), "SO_RCVTIMEO");
            SockaddrUn name = new SockaddrUn();
            int length = name.set(address);
            check(LIBC.bind(fd, name, length), "bind " + address);
        } catch (RuntimeException e) {
            LIBC.close(fd);
            throw e;
        }
        reader = new Thread(this::receive, "notify-socket " + address);
        reader.setDaemon(true);
        reader.start();
    }

    public NotifySocket(String address) {
        this(address, d -> { });
    }

    /** The value for {@code NOTIFY_SOCKET}. */
    public String address() {
        return address;
    }

    /** Every datagram so far, in the order they arrived. */
    public List<Datagram> received() {
        assertHealthy();
        return List.copyOf(received);
    }

    /** Waits (at most timeout) for a datagram that matches, and returns the first one that does. */
    public Datagram await(Predicate<Datagram> matching, Duration timeout, String what) {
        return await(matching, 1, timeout, what);
    }

    /** Waits (at most timeout) until count datagrams match, and returns the last of them. */
    public Datagram await(Predicate<Datagram> matching, int count, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Datagram> found = received().stream().filter(matching).limit(count).toList();
            if (found.size() == count) {
                return found.get(count - 1);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(count + " datagram(s) " + what + " on " + address + " not within "
                        + timeout + "; received " + received);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        reader.join(2_000);
        LIBC.close(fd);
        if (address.startsWith("/")) {
            Files.deleteIfExists(Path.of(address));
        }
        assertHealthy();
    }

    private void receive() {
        Memory buffer = new Memory(4096);
        Memory control = new Memory(64);
        Iovec iov = new Iovec();
        iov.iov_base = buffer;
        iov.iov_len = buffer.size();
        iov.write();
        while (!closed) {
            MsgHdr message = new MsgHdr();
            message.msg_iov = iov.getPointer();
            message.msg_iovlen = 1;
            message.msg_control = control;
            message.msg_controllen = control.size();
            control.clear();
            long length = LIBC.recvmsg(fd, message, 0);
            if (length < 0) {
                int errno = Native.getLastError();
                if (errno == EAGAIN || errno == EINTR) {
                    continue;
                }
                failure = "recvmsg: errno " + errno;
                return;
            }
            message.read();
            Datagram datagram = new Datagram(System.nanoTime(), senderPid(control, message.msg_controllen),
                    new String(buffer.getByteArray(0, (int) length), StandardCharsets.UTF_8));
            try {
                onEach.accept(datagram);
            } catch (RuntimeException | AssertionError e) {
                failure = "handling " + datagram + ": " + e;
            }
            received.add(datagram);
        }
    }

    /** The pid of the SCM_CREDENTIALS control message (struct cmsghdr, then struct ucred); -1 without one. */
    private static int senderPid(Pointer control, long controlLength) {
        if (controlLength >= 16 + 12 && control.getInt(8) == SOL_SOCKET && control.getInt(12) == SCM_CREDENTIALS) {
            return control.getInt(16);
        }
        return -1;
    }

    private void assertHealthy() {
        if (failure != null) {
            throw new AssertionError("the notify socket " + address + " failed: " + failure);
        }
    }

    private static void check(int result, String what) {
        if (result < 0) {
            throw new IllegalStateException(what + ": errno " + Native.getLastError());
        }
    }

    interface Libc extends Library {
        int socket(int domain, int type, int protocol);

        int setsockopt(int fd, int level, int name, Pointer value, int length);

        int bind(int fd, SockaddrUn address, int length);

        long recvmsg(int fd, MsgHdr message, int flags);

        int close(int fd);
    }

    @FieldOrder({"sun_family", "sun_path"})
    public static class SockaddrUn extends Structure {
        public short sun_family = AF_UNIX;
        public byte[] sun_path = new byte[108];

        /** Fills in address as systemd reads NOTIFY_SOCKET; returns the length to bind with. */
        int set(String address) {
            byte[] name = address.getBytes(StandardCharsets.UTF_8);
            if (!address.startsWith("/") && !address.startsWith("@") || name.length >= sun_path.length) {
                throw new IllegalArgumentException("not a NOTIFY_SOCKET address: " + address);
            }
            System.arraycopy(name, 0, sun_path, 0, name.length);
            if (address.startsWith("@")) {
                sun_path[0] = 0; // abstract: the name is exactly these bytes, no terminating NUL
                return SUN_PATH_OFFSET + name.length;
            }
            return SUN_PATH_OFFSET + name.length + 1;
        }
    }

    @FieldOrder({"iov_base", "iov_len"})
    public static class Iovec extends Structure {
        public Pointer iov_base;
        public long iov_len;
    }

    @FieldOrder({"msg_name", "msg_namelen", "msg_iov", "msg_iovlen", "msg_control", "msg_controllen", "msg_flags"})
    public static class MsgHdr extends Structure {
        public Pointer msg_name;
        public int msg_namelen;
        public Pointer msg_iov;
        public long msg_iovlen;
        public Pointer msg_control;
        public long msg_controllen;
        public int msg_flags;
    }
}
