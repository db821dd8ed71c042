package io.cvs.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP(S) backend on 127.0.0.1 (the JDK's HttpServer): each path answers the status set for it (404 when
 * none), after holding the request for a while if asked. It counts requests by path, remembers when each path was
 * first asked for and the last Host header, and the most requests it ever held at once.
 */
final class HttpBackend implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "http-backend");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final Map<String, Long> firstHitNanos = new ConcurrentHashMap<>();
    private final AtomicInteger current = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();
    private volatile String lastHost;
    private volatile Duration hold = Duration.ZERO;

    private HttpBackend(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    static HttpBackend plain() throws IOException {
        return plain("127.0.0.1");
    }

    /** On a loopback address of either family: 127.0.0.1 or ::1. */
    static HttpBackend plain(String loopback) throws IOException {
        return new HttpBackend(HttpServer.create(new InetSocketAddress(loopback, 0), 1000));
    }

    /** HTTPS with a new self-signed certificate for a name that is not the address, made by keytool in dir. */
    static HttpBackend selfSigned(Path dir) throws Exception {
        return selfSigned(dir, "127.0.0.1");
    }

    /** HTTPS as {@link #selfSigned(Path)}, on a loopback address of either family. */
    static HttpBackend selfSigned(Path dir, String loopback) throws Exception {
        Path keystore = dir.resolve("backend.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "backend", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=backend.invalid", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(loopback, 0), 1000);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new HttpBackend(server);
    }

    int port() {
        return server.getAddress().getPort();
    }

    HttpBackend status(String path, int status) {
        statuses.put(path, status);
        return this;
    }

    void holdEach(Duration hold) {
        this.hold = hold;
    }

    int hits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    Map<String, Long> firstHitNanos() {
        return firstHitNanos;
    }

    String lastHost() {
        return lastHost;
    }

    int mostAtOnce() {
        return most.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = current.incrementAndGet();
        most.accumulateAndGet(now, Math::max);
        try {
            String path = exchange.getRequestURI().getRawPath();
            firstHitNanos.putIfAbsent(path, System.nanoTime());
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            lastHost = exchange.getRequestHeaders().getFirst("Host");
            Thread.sleep(hold.toMillis());
            // let go before answering: the prober may start its next probe as soon as it reads the answer
            current.decrementAndGet();
            byte[] body = "a body the prober need not read\n".repeat(100).getBytes();
            exchange.sendResponseHeaders(statuses.getOrDefault(path, 404), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            current.decrementAndGet();
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
