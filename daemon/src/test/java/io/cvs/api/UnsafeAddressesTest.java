package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.address.AddressRules;
import java.net.http.HttpResponse;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 21, finding 3: addresses that can only hurt are refused with a 400 naming the field, on every path that
 * writes one (POST, PUT, PATCH, the backend endpoints, the bulk request), and the refusal changes nothing. The
 * daemon runs with the defaults: no loopback backends, no backend on another service's VIP. (A VIP that is a local
 * address is refused only where the datapath forwards: AddressChecksTest, with this host's interfaces.)
 */
class UnsafeAddressesTest extends ServicesOverHttp {

    private JsonNode refused(Supplier<HttpResponse<String>> call, String field, String messageStart) {
        String before = everything();
        JsonNode problem = assertProblem(call.get(), 400, "validation-failed", field);
        assertThat(problem.path("errors").get(0).path("message").asString()).startsWith(messageStart);
        assertThat(everything()).isEqualTo(before);
        return problem;
    }

    private HttpResponse<String> post(String spec) {
        return admin("POST", SERVICES, spec);
    }

    @ParameterizedTest(name = "backend {0}")
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1| must not be in 127.0.0.0/8 (loopback)",
        "127.1.2.3| must not be in 127.0.0.0/8 (loopback)",
        "0.0.0.1| must not be in 0.0.0.0/8",
        "169.254.169.254| must not be in 169.254.0.0/16",
        "224.0.0.1| must not be in 224.0.0.0/4",
        "240.0.0.1| must not be in 240.0.0.0/4",
        "255.255.255.255| must not be 255.255.255.255",
    })
    void backendsInRangesThatOnlyHurtAre400(String address, String why) {
        refused(() -> post(spec("api", "192.0.2.20", 80, "TCP", "[" + backend("10.0.0.1", 80) + ","
                + backend(address, 80) + "]")), "backends[1].address", why);
    }

    @ParameterizedTest(name = "backend {0}")
    @CsvSource(delimiter = '|', value = {
        "::1| must not be ::1 (loopback)",
        "fe80::1| must not be in fe80::/10",
        "ff02::1| must not be in ff00::/8",
    })
    void ipv6BackendsInRangesThatOnlyHurtAre400(String address, String why) {
        refused(() -> post(spec("api6", "2001:db8::20", 80, "TCP", "[" + backend(address, 80) + "]")),
                "backends[0].address", why);
    }

    @Test
    void aVipInTheReservedRangeIs400() {
        refused(() -> post(spec("api", "240.0.0.1", 80, "TCP", "[]")), "vip", "must not be in 240.0.0.0/4");
    }

    @Test
    void aBackendOnItsOwnVipIs400OnEveryPath() {
        refused(() -> post(spec("loop", "192.0.2.21", 80, "TCP", "[" + backend("192.0.2.21", 8080) + "]")),
                "backends[0].address", "must not be the service's own vip");
        String id = create(spec("loop", "192.0.2.21", 80, "TCP", "[" + backend("10.0.0.1", 80) + "]"));
        String backends = SERVICES + "/" + id + "/backends";

        refused(() -> admin("POST", backends, backend("192.0.2.21", 81)), "address", "must not be the service's");
        refused(() -> admin("PUT", backends + "/192.0.2.21:81", "{\"weight\":1}"), "backendKey", "must not be the");
        refused(() -> send("PATCH", SERVICES + "/" + id, adminToken(), ServiceController.MERGE_PATCH,
                java.net.http.HttpRequest.BodyPublishers.ofString("{\"backends\":[" + backend("192.0.2.21", 81)
                        + "]}")), "backends[0].address", "must not be the service's own vip");
        refused(() -> admin("PUT", SERVICES + "/" + id, spec("loop", "10.0.0.1", 80, "TCP", "["
                + backend("10.0.0.1", 80) + "]")), "backends[0].address", "must not be the service's own vip");
    }

    @Test
    void aBackendOnAnotherServicesVipAndAVipOnAnotherServicesBackendAre400() {
        create(spec("web", "192.0.2.22", 80, "TCP", "[" + backend("10.0.0.5", 80) + "]"));

        refused(() -> post(spec("front", "192.0.2.23", 80, "TCP", "[" + backend("192.0.2.22", 80) + "]")),
                "backends[0].address", AddressRules.backendOnVip("web"));
        refused(() -> post(spec("back", "10.0.0.5", 443, "TCP", "[]")), "vip", AddressRules.vipOnBackend("web"));
        String front = create(spec("front", "192.0.2.23", 80, "TCP", "[" + backend("10.0.0.6", 80) + "]"));
        refused(() -> admin("POST", SERVICES + "/" + front + "/backends", backend("192.0.2.22", 8080)), "address",
                AddressRules.backendOnVip("web"));
    }

    /**
     * The bulk request names the entry; the entries are checked against each other (both sides of a pair that
     * are new are named) and against the services the request leaves as they are.
     */
    @Test
    void theBulkRequestRefusesTheSameAndNamesTheEntry() {
        String state = "{\"services\":[" + spec("web", "192.0.2.24", 80, "TCP", "[" + backend("10.0.0.7", 80) + "]")
                + "," + spec("front", "192.0.2.25", 80, "TCP", "[" + backend("192.0.2.24", 80) + "]") + "]}";
        assertProblem(admin("PUT", SERVICES, state), 400, "validation-failed", "services[0].vip",
                "services[1].backends[0].address");
        create(spec("web", "192.0.2.24", 80, "TCP", "[" + backend("10.0.0.7", 80) + "]"));
        String addFront = "{\"services\":[" + spec("web", "192.0.2.24", 80, "TCP", "[" + backend("10.0.0.7", 80)
                + "]") + "," + spec("front", "192.0.2.25", 80, "TCP", "[" + backend("192.0.2.24", 80) + "]") + "]}";
        refused(() -> admin("PUT", SERVICES, addFront), "services[1].backends[0].address",
                AddressRules.backendOnVip("web"));
        String loopback = "{\"services\":[" + spec("web", "192.0.2.24", 80, "TCP", "[" + backend("127.0.0.1", 80)
                + "]") + "]}";
        refused(() -> admin("PUT", SERVICES, loopback), "services[0].backends[0].address", "must not be in 127.");
    }
}
