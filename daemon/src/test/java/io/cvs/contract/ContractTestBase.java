package io.cvs.contract;

import io.cvs.contract.ContractClient.Answer;
import io.cvs.contract.ContractClient.Call;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.TestJournals;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.bean.override.convention.TestBean;
import tools.jackson.databind.JsonNode;

/**
 * The daemon on a random port with a memory datapath small enough to fill (4 services, 8 backends, 3 per
 * service) that does not grow (so its refusals can be seen), an admin and a viewer token, a 2 KB body limit, and rates sampled every 100 ms. Every test starts with no service. All HTTP goes
 * through {@link ContractClient}, so every exchange is validated against openapi.yaml.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=memory",
    "cvs.bpf.growth.automatic=false",
    "cvs.security.admin-token=" + ContractTestBase.ADMIN,
    "cvs.security.viewer-token=" + ContractTestBase.VIEWER,
    "cvs.api.max-body-size=2KB",
    "cvs.stats.rate-interval=100ms",
    // HealthContract's checked services need backends that answer probes: the test's own listeners on loopback
    "cvs.addresses.allow-loopback-backends=true"})
abstract class ContractTestBase {

    static final String ADMIN = "admin-token-for-the-contract-tests";
    static final String VIEWER = "viewer-token-for-the-contract-tests";
    static final Capacity SMALL = new Capacity(4, 8, 3, 16);
    static final int MAX_BODY = 2048;
    static final String SERVICES = "/api/v1/services";
    static final String UNKNOWN_ID = "svc-zzzzzzzzzz";

    @TestBean
    Datapath datapath;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void journalDir(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("contract").toString());
    }

    static Datapath datapath() {
        return new MemoryDatapath(SMALL, null);
    }

    @BeforeEach
    void noServices() {
        for (JsonNode service : admin("GET", SERVICES + "?limit=1000").expect(200).json().path("items")) {
            admin("DELETE", SERVICES + "/" + service.path("id").asString()).expect(204);
        }
    }

    ContractClient http() {
        return new ContractClient(port);
    }

    Call admin(String method, String path) {
        return http().call(method, path).token(ADMIN);
    }

    Call viewer(String method, String path) {
        return http().call(method, path).token(VIEWER);
    }

    /** Creates a service and returns the answer (201). */
    Answer create(String spec) {
        return admin("POST", SERVICES).json(spec).expect(201);
    }

    String createId(String spec) {
        return create(spec).json().path("id").asString();
    }

    Answer get(String id) {
        return admin("GET", SERVICES + "/" + id).expect(200);
    }

    /**
     * A ServiceRequest; backends as {@code address:port} or {@code address:port/weight}, IPv6 addresses in
     * brackets.
     */
    static String spec(String name, String vip, int port, String protocol, String... backends) {
        return "{\"name\":\"" + name + "\",\"vip\":\"" + vip + "\",\"port\":" + port + ",\"protocol\":\"" + protocol
                + "\",\"backends\":" + backends(backends) + "}";
    }

    static String tcp(String name, String vip, String... backends) {
        return spec(name, vip, 80, "TCP", backends);
    }

    static String backends(String... backends) {
        List<String> items = new ArrayList<>();
        for (String backend : backends) {
            items.add(backend(backend));
        }
        return "[" + String.join(",", items) + "]";
    }

    /** {@code address:port/weight}, an IPv6 address in brackets: {@code [fd00::2]:8080/3}. */
    static String backend(String backend) {
        int colon = backend.lastIndexOf(':');
        String address = backend.substring(0, colon).replace("[", "").replace("]", "");
        String[] portWeight = backend.substring(colon + 1).split("/");
        return "{\"address\":\"" + address + "\",\"port\":" + portWeight[0]
                + (portWeight.length > 1 ? ",\"weight\":" + portWeight[1] : "") + "}";
    }

    static List<String> names(JsonNode items) {
        List<String> names = new ArrayList<>();
        items.forEach(item -> names.add(item.path("name").asString()));
        return names;
    }

    static List<String> keys(JsonNode backends) {
        List<String> keys = new ArrayList<>();
        backends.forEach(b -> keys.add(bracketed(b.path("address").asString()) + ":" + b.path("port").asInt()
                + "/" + b.path("weight").asInt()));
        return keys;
    }

    static String bracketed(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }

    /** A valid body just over the limit: labels are free-form, so 20 labels of 120 characters. */
    static String tooLarge() {
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            labels.append(i == 0 ? "" : ",").append("\"l").append(i).append("\":\"").append("x".repeat(120))
                    .append('"');
        }
        String body = "{\"name\":\"big\",\"vip\":\"192.0.2.99\",\"port\":80,\"protocol\":\"TCP\",\"labels\":{" + labels
                + "}}";
        if (body.length() <= MAX_BODY) {
            throw new IllegalStateException("not too large: " + body.length());
        }
        return body;
    }
}
