package io.cvs.api;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * For scripts/bench-scale, not a unit test: the inputs and the write load of the scale benchmark, with N services of
 * B backends each. Three modes:
 * <ul>
 * <li>{@code state N B FILE}: the desired state as the body of {@code PUT /api/v1/services} (openapi.yaml,
 * {@code applyServices}).</li>
 * <li>{@code nft N B map|vmap FILE}: the same services as an nftables ruleset for {@code nft -f}. {@code map}: one
 * dnat map keyed by VIP . port . {@code numgen random mod B} (N x B elements, one rule): the fastest form to load.
 * {@code vmap}: a verdict map VIP . port to one chain per service, which DNATs with {@code numgen random mod B} over
 * an anonymous map of the service's backends (kube-proxy's shape with the endpoint chains folded in).</li>
 * <li>{@code patch URL TOKEN N B CLIENTS SECONDS WARMUP}: CLIENTS threads, each with its own HTTP connection and its
 * own service (spread over the N), PATCH that service's backends for SECONDS after WARMUP seconds not counted,
 * toggling backend 0's weight so that every request changes the maps. Prints {@code patch CLIENTS N requests p50_us
 * p99_us per_second failed}; a non-2xx answer or an I/O error is failed.</li>
 * </ul>
 * Service i is {@code scale-i} on VIP 192.0.2.x, 198.51.100.x or 203.0.113.x (documentation ranges) with x = 1 +
 * (i / 3) % 254 and TCP port 1000 + i / 762, which keeps every (VIP, port) distinct; its backends are
 * 10.a.b.c:8080 with a.b.c = 16 i + j + 1 (j = 0..B-1, B at most 14; up to 1,048,575 services), weights 1, 2, 3, 1,
 * ... They are never connected to: the benchmark only writes maps.
 */
public final class ScaleBenchmark {

    private static final String[] VIP_RANGES = { "192.0.2.", "198.51.100.", "203.0.113." };
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final int MAX_SAMPLES = 2_000_000;

    private ScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "state" -> {
                check(args, 4);
                state(Integer.parseInt(args[1]), backends(args[2]), Path.of(args[3]));
            }
            case "nft" -> {
                check(args, 5);
                nft(Integer.parseInt(args[1]), backends(args[2]), args[3], Path.of(args[4]));
            }
            case "patch" -> {
                check(args, 8);
                patch(URI.create(args[1]), args[2], Integer.parseInt(args[3]), backends(args[4]),
                        Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]));
            }
            default -> check(args, -1);
        }
    }

    static String name(int i) {
        return "scale-" + i;
    }

    static String vip(int i) {
        return VIP_RANGES[i % 3] + (1 + (i / 3) % 254);
    }

    static int port(int i) {
        return 1000 + i / 762;
    }

    static String backend(int i, int j) {
        int x = 16 * i + j + 1;
        return "10." + (x >> 16) + "." + ((x >> 8) & 255) + "." + (x & 255);
    }

    static int weight(int j) {
        return j % 3 + 1;
    }

    /** The backends array of service i, backend 0 with weight W0 (the others as weight(j)). */
    static void backendsJson(StringBuilder out, int i, int backends, int weight0) {
        out.append('[');
        for (int j = 0; j < backends; j++) {
            if (j > 0) {
                out.append(',');
            }
            out.append("{\"address\":\"").append(backend(i, j)).append("\",\"port\":8080,\"weight\":")
                    .append(j == 0 ? weight0 : weight(j)).append('}');
        }
        out.append(']');
    }

    private static void state(int services, int backends, Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("{\"services\":[");
            StringBuilder s = new StringBuilder(1024);
            for (int i = 0; i < services; i++) {
                s.setLength(0);
                if (i > 0) {
                    s.append(',');
                }
                s.append("\n{\"name\":\"").append(name(i)).append("\",\"vip\":\"").append(vip(i))
                        .append("\",\"port\":").append(port(i)).append(",\"protocol\":\"TCP\",\"backends\":");
                backendsJson(s, i, backends, weight(0));
                s.append('}');
                out.append(s);
            }
            out.write("\n]}\n");
        }
    }

    private static void nft(int services, int backends, String form, Path file) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.US_ASCII))) {
            out.println("table ip cvs-scale {");
            switch (form) {
                case "map" -> {
                    out.printf("\tmap backends {%n\t\ttypeof ip daddr . tcp dport . numgen random mod %d"
                            + " : ip daddr . tcp dport%n\t\telements = {%n", backends);
                    for (int i = 0; i < services; i++) {
                        for (int j = 0; j < backends; j++) {
                            out.printf("\t\t\t%s . %d . %d : %s . 8080%s%n", vip(i), port(i), j, backend(i, j),
                                    i + 1 < services || j + 1 < backends ? "," : "");
                        }
                    }
                    out.printf("\t\t}%n\t}%n\tchain nat-output {%n"
                            + "\t\ttype nat hook output priority -100; policy accept;%n"
                            + "\t\tdnat ip to ip daddr . tcp dport . numgen random mod %d map @backends%n\t}%n",
                            backends);
                }
                case "vmap" -> {
                    for (int i = 0; i < services; i++) {
                        out.printf("\tchain service-%d {%n\t\tmeta l4proto tcp dnat ip to numgen random mod %d"
                                + " map { ", i, backends);
                        for (int j = 0; j < backends; j++) {
                            out.printf("%d : %s . 8080%s", j, backend(i, j), j + 1 < backends ? ", " : "");
                        }
                        out.printf(" }%n\t}%n");
                    }
                    out.printf("\tmap services {%n\t\ttype ipv4_addr . inet_service : verdict%n"
                            + "\t\telements = {%n");
                    for (int i = 0; i < services; i++) {
                        out.printf("\t\t\t%s . %d : goto service-%d%s%n", vip(i), port(i), i,
                                i + 1 < services ? "," : "");
                    }
                    out.printf("\t\t}%n\t}%n\tchain nat-output {%n"
                            + "\t\ttype nat hook output priority -100; policy accept;%n"
                            + "\t\tip daddr . tcp dport vmap @services%n\t}%n");
                }
                default -> throw new IllegalArgumentException("nft form map or vmap, not " + form);
            }
            out.println("}");
        }
    }

    private static void patch(URI base, String token, int services, int backends, int clients, int seconds,
            int warmup) throws Exception {
        String[] ids = new String[clients];
        int[] index = new int[clients];
        HttpClient lookup = client();
        for (int c = 0; c < clients; c++) {
            // spread over the services: client c takes service (2c + 1) N / 2 CLIENTS (the middle one for 1)
            index[c] = (int) ((2L * c + 1) * services / (2L * clients));
            HttpResponse<String> found = lookup.send(request(base.resolve("/api/v1/services?name=" + name(index[c])),
                    token).GET().build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = ID.matcher(found.body());
            if (found.statusCode() != 200 || !m.find()) {
                throw new IllegalStateException("no id for " + name(index[c]) + ": " + found.statusCode() + " "
                        + found.body());
            }
            ids[c] = m.group(1);
        }
        long warmupEnds = System.nanoTime() + warmup * 1_000_000_000L;
        long ends = warmupEnds + seconds * 1_000_000_000L;
        long[][] samples = new long[clients][];
        int[] counts = new int[clients];
        AtomicLong failed = new AtomicLong();
        CountDownLatch done = new CountDownLatch(clients);
        Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++) {
            int me = c;
            samples[c] = new long[MAX_SAMPLES / clients];
            threads[c] = new Thread(() -> {
                try {
                    HttpClient http = client();
                    URI uri = base.resolve("/api/v1/services/" + ids[me]);
                    StringBuilder body = new StringBuilder(1024);
                    int weight0 = weight(0);
                    for (long now = System.nanoTime(); now < ends && counts[me] < samples[me].length;
                            now = System.nanoTime()) {
                        weight0 = weight0 == 1 ? 2 : 1;
                        body.setLength(0);
                        body.append("{\"backends\":");
                        backendsJson(body, index[me], backends, weight0);
                        body.append('}');
                        HttpRequest req = request(uri, token).header("Content-Type", "application/merge-patch+json")
                                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())).build();
                        long t0 = System.nanoTime();
                        boolean ok;
                        try {
                            ok = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
                        } catch (IOException e) {
                            ok = false;
                        }
                        long t1 = System.nanoTime();
                        if (t0 >= warmupEnds) {
                            if (ok) {
                                samples[me][counts[me]++] = t1 - t0;
                            } else {
                                failed.incrementAndGet();
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "patch-" + c);
            threads[c].start();
        }
        done.await();
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(samples[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        System.out.printf(Locale.ROOT, "patch %d %d %d %.0f %.0f %.1f %d%n", clients, services, total,
                percentile(all, 0.50) / 1e3, percentile(all, 0.99) / 1e3, total / (double) seconds, failed.get());
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static HttpRequest.Builder request(URI uri, String token) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    /** Nearest rank. */
    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static int backends(String value) {
        int b = Integer.parseInt(value);
        if (b < 1 || b > 14) {
            throw new IllegalArgumentException("1 to 14 backends per service, not " + b);
        }
        return b;
    }

    private static void check(String[] args, int length) {
        if (args.length != length) {
            System.err.println("usage: ScaleBenchmark state N BACKENDS FILE\n"
                    + "       ScaleBenchmark nft N BACKENDS map|vmap FILE\n"
                    + "       ScaleBenchmark patch URL TOKEN N BACKENDS CLIENTS SECONDS WARMUP");
            System.exit(2);
        }
    }
}
