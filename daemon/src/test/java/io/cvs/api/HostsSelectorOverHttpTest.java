package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A service's {@code hosts} selector over real HTTP on a single host without labels, and {@code GET /api/v1/fleet}
 * in single-host mode: the selector is taken, answered, patched and validated like labels; the fleet endpoint
 * shows this host alone.
 */
class HostsSelectorOverHttpTest extends ServicesOverHttp {

    private static final String ZONE_A = ",\"hosts\":{\"matchLabels\":{\"zone\":\"a\"}}}";

    @Test
    void aSelectorIsStoredAnsweredAndRemovedByAMergePatch() {
        String spec = spec("zoned", "198.51.100.40", 80, "TCP", "[" + backend("10.0.0.1", 8080) + "]");
        String id = create(spec.substring(0, spec.length() - 1) + ZONE_A);

        JsonNode read = json(get(SERVICES + "/" + id, VIEWER_TOKEN));
        assertThat(read.path("hosts").path("matchLabels").path("zone").asString()).isEqualTo("a");

        HttpResponse<String> patched = admin("PATCH", SERVICES + "/" + id, "{\"hosts\":null}",
                "Content-Type", "application/merge-patch+json");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(json(patched).has("hosts")).as("every host: the field is left out").isFalse();
    }

    @Test
    void aSelectorLabelThatNoLabelCouldBeIsA400NamingIt() {
        String spec = spec("zoned", "198.51.100.41", 80, "TCP", "[]");
        String before = everything();

        HttpResponse<String> refused = admin("POST", SERVICES,
                spec.substring(0, spec.length() - 1) + ",\"hosts\":{\"matchLabels\":{\"-bad\":\"a\"}}}");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("hosts.matchLabels[-bad]");
        assertThat(everything()).isEqualTo(before);
    }

    @Test
    void theFleetEndpointInSingleHostModeShowsThisHostAlone() {
        JsonNode fleet = json(get("/api/v1/fleet", VIEWER_TOKEN));

        assertThat(fleet.path("mode").asString()).isEqualTo("single-host");
        assertThat(fleet.has("applied")).isFalse();
        assertThat(fleet.has("store")).isFalse();
        assertThat(fleet.path("hosts")).hasSize(1);
        assertThat(fleet.path("hosts").get(0).path("self").asBoolean()).isTrue();
        assertThat(fleet.path("hosts").get(0).path("hostId").asString()).isEqualTo(fleet.path("hostId").asString());
        assertThat(get("/api/v1/services", VIEWER_TOKEN).headers().firstValue("Cvs-Fleet-Applied-Revision"))
                .as("no fleet headers on a single host").isEmpty();
    }
}
