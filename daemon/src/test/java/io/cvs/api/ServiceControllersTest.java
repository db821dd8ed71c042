package io.cvs.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.patch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.health.HealthMonitor;
import io.cvs.health.HealthProperties;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.selection.SelectionPolicy;
import io.cvs.selection.SelectionProperties;
import io.cvs.service.Precondition;
import io.cvs.traffic.TrafficRates;
import io.cvs.write.ProbeTargets;
import io.cvs.write.ServiceRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.net.URI;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The JSON, headers and statuses of the services controllers over the real registry and a memory datapath (which
 * forwards nothing). Security is tested over HTTP (ServicesAccessTest); here its filters are off.
 */
@WebMvcTest(controllers = {ServiceCollectionController.class, ServiceController.class, BackendController.class},
        excludeAutoConfiguration = UserDetailsServiceAutoConfiguration.class)
@AutoConfigureMockMvc(addFilters = false)
class ServiceControllersTest {

    private static final String WEB = """
            {"name": "web", "vip": "192.0.2.10", "port": 80, "protocol": "TCP",
             "backends": [{"address": "10.0.0.1", "port": 8080, "weight": 2}, {"address": "10.0.0.2", "port": 8080}],
             "labels": {"app": "web"}}""";

    @TestConfiguration(proxyBeanMethods = false)
    static class MemoryMaps {

        @Bean
        Datapath datapath() {
            return new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
        }

        /** The daemon binds it from cvs.datapath.*; a slice test binds no properties records. */
        @Bean
        SelectionProperties selectionProperties() {
            return new SelectionProperties(SelectionPolicy.TABLE_SIZE_DEFAULT);
        }

        @Bean
        Journal journal() {
            return TestJournals.open("controllers");
        }

        @Bean
        ServiceRegistry serviceRegistry(Datapath datapath, Journal journal) {
            return new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));
        }

        /** The real monitor, wired as the daemon wires it; these services have no checks, so it probes nothing. */
        @Bean
        HealthMonitor healthMonitor(ServiceRegistry registry) {
            return ProbeTargets.monitor(registry, new HealthProperties(1000, 0.1), new SimpleMeterRegistry());
        }

        @Bean
        TrafficRates trafficRates(ServiceRegistry registry, Datapath datapath) {
            return new TrafficRates(registry, datapath, Clock.systemUTC(), Duration.ofSeconds(5));
        }
    }

    @Autowired
    private MockMvc mvc;

    @Autowired
    private ServiceRegistry registry;

    private String id;

    @BeforeEach
    void web() throws Exception {
        registry.byName().values().forEach(s -> registry.delete(s.id(), Precondition.NONE));
        mvc.perform(post("/api/v1/services").contentType(MediaType.APPLICATION_JSON).content(WEB))
                .andExpect(status().isCreated());
        id = registry.byName().get("web").id();
    }

    @Test
    void aServiceIsItsFieldsWithVersionAndETag() throws Exception {
        mvc.perform(get("/api/v1/services/" + id))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"1\""))
                .andExpect(content().json("""
                        {"id": "%s", "version": 1, "name": "web", "vip": "192.0.2.10", "port": 80, "protocol": "TCP",
                         "backends": [{"address": "10.0.0.1", "port": 8080, "weight": 2},
                                      {"address": "10.0.0.2", "port": 8080, "weight": 1}],
                         "labels": {"app": "web"}, "onBackendRemoval": "KEEP", "scheduler": "RANDOM",
                         "sessionAffinity": {"type": "NONE"}}""".formatted(id), true));
    }

    @Test
    void ifNoneMatchWithTheCurrentTagOrAStarIs304() throws Exception {
        mvc.perform(get("/api/v1/services/" + id).header("If-None-Match", "\"0\", \"1\""))
                .andExpect(status().isNotModified())
                .andExpect(header().string("ETag", "\"1\""));
        mvc.perform(get("/api/v1/services/" + id).header("If-None-Match", "*"))
                .andExpect(status().isNotModified());
        mvc.perform(get("/api/v1/services/" + id).header("If-None-Match", "\"0\""))
                .andExpect(status().isOk());
    }

    @Test
    void backendsHaveTheServicesETagButNo304() throws Exception {
        mvc.perform(get("/api/v1/services/" + id + "/backends").header("If-None-Match", "\"1\""))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"1\""));
        mvc.perform(get("/api/v1/services/" + id + "/backends/10.0.0.1:8080").header("If-None-Match", "\"1\""))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"1\""));
    }

    @Test
    void aMergePatchNeedsItsMediaType() throws Exception {
        mvc.perform(patch("/api/v1/services/" + id).contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(jsonPath("$.type").value("urn:cvs:problem:unsupported-media-type"));
        mvc.perform(patch("/api/v1/services/" + id).contentType("application/merge-patch+json")
                        .content("{\"labels\": null}"))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"2\""))
                .andExpect(jsonPath("$.labels").isEmpty());
    }

    @Test
    void anEmptyMergePatchKeepsTheVersion() throws Exception {
        mvc.perform(patch("/api/v1/services/" + id).contentType("application/merge-patch+json").content("{}"))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"1\""));
    }

    @Test
    void aPatchOfTheWrongTypeNamesTheField() throws Exception {
        mvc.perform(patch("/api/v1/services/" + id).contentType("application/merge-patch+json")
                        .content("{\"port\": \"eighty\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("port"));
    }

    @Test
    void aBackendKeyMayHaveItsColonPercentEncoded() throws Exception {
        mvc.perform(get(URI.create("/api/v1/services/" + id + "/backends/10.0.0.1%3A8080")))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"1\""))
                .andExpect(content().json("{\"address\": \"10.0.0.1\", \"port\": 8080, \"weight\": 2}", true));
    }

    @Test
    void aBackendPutWhoseAddressDiffersFromTheKeyIs400() throws Exception {
        mvc.perform(put("/api/v1/services/" + id + "/backends/10.0.0.1:8080").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"address\": \"10.0.0.3\", \"weight\": 1}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("address"));
    }

    @Test
    void deletingABackendAnswersTheServicesNewTag() throws Exception {
        mvc.perform(delete("/api/v1/services/" + id + "/backends/10.0.0.2:8080").header("If-Match", "\"1\""))
                .andExpect(status().isNoContent())
                .andExpect(header().string("ETag", "\"2\""));
    }

    @Test
    void statsHaveOneEntryPerBackend() throws Exception {
        mvc.perform(get("/api/v1/services/" + id + "/stats"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.name").value("web"))
                .andExpect(jsonPath("$.retried").value(0))
                .andExpect(jsonPath("$.backends[0].weight").value(2))
                .andExpect(jsonPath("$.backends.length()").value(2));
    }

    @Test
    void aBodyThatIsNotJsonIsMalformed() throws Exception {
        mvc.perform(post("/api/v1/services").contentType(MediaType.APPLICATION_JSON).content("{\"name\": "))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.type").value("urn:cvs:problem:malformed-body"));
    }

    @Test
    void aMalformedIdIs400AndAnUnknownOne404() throws Exception {
        mvc.perform(get("/api/v1/services/not.an.id"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("id"));
        mvc.perform(get("/api/v1/services/svc-zzzzzzzzzz"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.type").value("urn:cvs:problem:not-found"));
    }
}
