package io.cvs.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes of the flow tests, run in the sandbox's namespaces as {@code java -cp <test classes>
 * io.cvs.e2e.FlowPeer <mode> ...} (see {@link FlowPeers}), each socket of its address's own family (AF_INET for
 * IPv4, never a mapped AF_INET6 socket); plain JDK, no dependency, so the child JVM starts with
 * nothing but this class. Every line it prints starts with the wall-clock time in nanoseconds since the epoch (same
 * clock as the test's), and it ends by itself after maxSeconds, so a forgotten one cannot outlive a run for long.
 *
 * <ul>
 * <li>{@code server <address>[,<address>...] <maxSeconds> udp:<port>... tcp:<port>...}: binds each port on each
 * address, prints
 * {@code <nanos> ready} once all are bound, then for each UDP datagram {@code <nanos> udp <port> <source> <payload>}
 * and sends it back; for each line on a TCP connection {@code <nanos> tcp <port> <source> <line>} and echoes it
 * (the connection stays open until the peer closes it). A line {@code close <port>} on its stdin closes that UDP
 * port (a health responder that stops: probes then get port unreachable).</li>
 * <li>{@code udp-client <tag> <address> <port> <periodMs> <maxSeconds>}: a resolver. ONE connected UDP socket,
 * connected once, sends {@code <tag> <seq>} every period and waits up to the period for the answer. When a call
 * fails (a socket the sweep destroyed: EDESTADDRREQ on the send or ECONNABORTED on the receive) it prints
 * {@code <nanos> failed <seq> <error>}, closes the socket and connects a new one, which prints
 * {@code <nanos> connected <local port>}. A datagram without answer is not a failure (UDP may lose it).</li>
 * <li>{@code tcp-client <tag> <address> <port> <periodMs> <maxSeconds>}: the same over one TCP connection: a line
 * {@code <tag> <seq>} every period, whose echo must come back within a second; an error or end of stream prints
 * {@code failed} and it connects again.</li>
 * </ul>
 */
public final class FlowPeer {

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private FlowPeer() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "server" -> server(args);
            case "udp-client" -> udpClient(args[1], new InetSocketAddress(args[2], Integer.parseInt(args[3])),
                    Long.parseLong(args[4]), deadline(args[5]));
            case "tcp-client" -> tcpClient(args[1], new InetSocketAddress(args[2], Integer.parseInt(args[3])),
                    Long.parseLong(args[4]), deadline(args[5]));
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    private static long deadline(String maxSeconds) {
        return System.nanoTime() + Long.parseLong(maxSeconds) * 1_000_000_000L;
    }

    private static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static synchronized void print(String line) {
        OUT.println(now() + " " + line);
    }

    private static void server(String[] args) throws Exception {
        String[] addresses = args[1].split(",");
        long deadline = deadline(args[2]);
        Selector selector = Selector.open();
        Map<Integer, List<DatagramChannel>> udp = new HashMap<>();
        for (int a = 3; a < args.length; a++) {
            String[] spec = args[a].split(":");
            int port = Integer.parseInt(spec[1]);
            for (String address : addresses) {
                InetSocketAddress local = new InetSocketAddress(address, port);
                if (spec[0].equals("udp")) {
                    DatagramChannel channel = DatagramChannel.open(family(local));
                    channel.bind(local).configureBlocking(false);
                    channel.register(selector, SelectionKey.OP_READ, port);
                    udp.computeIfAbsent(port, p -> new ArrayList<>()).add(channel);
                } else {
                    ServerSocketChannel listener = ServerSocketChannel.open(family(local));
                    listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    listener.bind(local).configureBlocking(false);
                    listener.register(selector, SelectionKey.OP_ACCEPT, port);
                }
            }
        }
        Thread commands = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("close ")) {
                        for (DatagramChannel channel : udp.get(Integer.parseInt(line.substring(6).trim()))) {
                            channel.close();
                        }
                        selector.wakeup();
                        print("closed " + line.substring(6).trim());
                    }
                }
            } catch (IOException e) {
                // stdin gone: the test ended
            }
        }, "commands");
        commands.setDaemon(true);
        commands.start();
        print("ready");
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        while (System.nanoTime() < deadline) {
            selector.select(200);
            for (SelectionKey key : selector.selectedKeys()) {
                if (!key.isValid()) {
                    continue;
                }
                int port = (Integer) key.attachment();
                if (key.isAcceptable()) {
                    SocketChannel connection = ((ServerSocketChannel) key.channel()).accept();
                    if (connection != null) {
                        Thread echo = new Thread(() -> echo(connection, port), "echo");
                        echo.setDaemon(true);
                        echo.start();
                    }
                    continue;
                }
                DatagramChannel channel = (DatagramChannel) key.channel();
                for (SocketAddress source = receive(channel, buffer); source != null;
                        source = receive(channel, buffer)) {
                    buffer.flip();
                    String payload = StandardCharsets.UTF_8.decode(buffer.duplicate()).toString().trim();
                    print("udp " + port + " " + text(source) + " " + payload);
                    try {
                        channel.send(buffer, source);
                    } catch (IOException e) {
                        print("send-failed " + port + " " + e);
                    }
                    buffer.clear();
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private static SocketAddress receive(DatagramChannel channel, ByteBuffer buffer) {
        try {
            buffer.clear();
            return channel.isOpen() ? channel.receive(buffer) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void echo(SocketChannel connection, int port) {
        String source;
        try {
            source = text(connection.getRemoteAddress());
        } catch (IOException e) {
            return;
        }
        try (connection; BufferedReader in = new BufferedReader(new InputStreamReader(
                connection.socket().getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                print("tcp " + port + " " + source + " " + line);
                connection.socket().getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            print("tcp-closed " + port + " " + source);
        } catch (IOException e) {
            print("tcp-closed " + port + " " + source + " " + e.getMessage());
        }
    }

    /** The socket family of an address: explicit, so an IPv4 VIP gets an AF_INET socket, not a mapped one. */
    private static StandardProtocolFamily family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
    }

    private static String text(SocketAddress address) {
        InetSocketAddress inet = (InetSocketAddress) address;
        return inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }

    private static void udpClient(String tag, InetSocketAddress vip, long periodMs, long deadline) throws Exception {
        long seq = 0;
        ByteBuffer reply = ByteBuffer.allocate(2048);
        while (System.nanoTime() < deadline) {
            DatagramChannel channel = DatagramChannel.open(family(vip));
            try (channel; Selector selector = Selector.open()) {
                channel.connect(vip);
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ);
                print("connected " + ((InetSocketAddress) channel.getLocalAddress()).getPort());
                long next = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    seq++;
                    channel.write(ByteBuffer.wrap((tag + " " + seq).getBytes(StandardCharsets.UTF_8)));
                    next += periodMs * 1_000_000L;
                    // wait out the period, taking the answer (or the error) when it comes
                    for (long left = next - System.nanoTime(); left > 0; left = next - System.nanoTime()) {
                        if (selector.select(Math.max(1, left / 1_000_000L)) > 0) {
                            selector.selectedKeys().clear();
                            reply.clear();
                            channel.read(reply);
                        }
                    }
                }
            } catch (IOException e) {
                print("failed " + seq + " " + e);
                Thread.sleep(periodMs);
            }
        }
    }

    private static void tcpClient(String tag, InetSocketAddress vip, long periodMs, long deadline) throws Exception {
        long seq = 0;
        while (System.nanoTime() < deadline) {
            try (SocketChannel channel = SocketChannel.open(family(vip))) {
                Socket socket = channel.socket();
                socket.connect(vip, 1000);
                socket.setSoTimeout(1000);
                print("connected " + socket.getLocalPort());
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                OutputStream out = socket.getOutputStream();
                long next = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    seq++;
                    String line = tag + " " + seq;
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    String echo = in.readLine();
                    if (echo == null) {
                        throw new IOException("end of stream");
                    }
                    if (!echo.equals(line)) {
                        throw new IOException("echo '" + echo + "' for '" + line + "'");
                    }
                    print("echo " + seq);
                    next += periodMs * 1_000_000L;
                    long left = next - System.nanoTime();
                    if (left > 0) {
                        Thread.sleep(left / 1_000_000L, (int) (left % 1_000_000L));
                    }
                }
            } catch (IOException e) {
                print("failed " + seq + " " + e);
                Thread.sleep(periodMs);
            }
        }
    }
}
