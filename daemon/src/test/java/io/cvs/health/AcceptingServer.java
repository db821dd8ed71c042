package io.cvs.health;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP listener on loopback that accepts connections and either closes them at once, answers the same bytes to
 * each whatever it was sent, or holds them open without a word (a hung backend). It can stop listening and listen
 * again on the same port.
 */
final class AcceptingServer implements AutoCloseable {

    private final boolean hang;
    private final String loopback;
    private final byte[] answer;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private volatile ServerSocket socket;
    private int port;

    private AcceptingServer(boolean hang, byte[] answer) {
        this(hang, answer, "127.0.0.1");
    }

    private AcceptingServer(boolean hang, byte[] answer, String loopback) {
        this.hang = hang;
        this.answer = answer;
        this.loopback = loopback;
    }

    static AcceptingServer closingEach() {
        return new AcceptingServer(false, new byte[0]).listen();
    }

    /** As {@link #closingEach()}, on a loopback address of either family. */
    static AcceptingServer closingEach(String loopback) {
        return new AcceptingServer(false, new byte[0], loopback).listen();
    }

    static AcceptingServer answering(String answer) {
        return new AcceptingServer(false, answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).listen();
    }

    static AcceptingServer hanging() {
        return new AcceptingServer(true, new byte[0]).listen();
    }

    int port() {
        return port;
    }

    int accepted() {
        return accepted.get();
    }

    AcceptingServer listen() {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(loopback, port), 200);
            port = server.getLocalPort();
            socket = server;
            Thread thread = new Thread(() -> accept(server), "accepting-server-" + port);
            thread.setDaemon(true);
            thread.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops listening: connects are refused until {@link #listen()}. */
    void stop() throws IOException {
        socket.close();
    }

    private void accept(ServerSocket server) {
        try {
            for (;;) {
                Socket connection = server.accept();
                accepted.incrementAndGet();
                if (hang) {
                    held.add(connection);
                } else {
                    connection.getOutputStream().write(answer);
                    connection.close();
                }
            }
        } catch (IOException e) {
            // closed: stop accepting
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket connection : held) {
            connection.close();
        }
    }
}
