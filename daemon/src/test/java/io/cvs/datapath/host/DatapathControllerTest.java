package io.cvs.datapath.host;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.SocketLbProgram;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.SocketLbStatus.ProgramLink;
import io.cvs.datapath.StubDatapath;
import io.cvs.datapath.Usage;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The JSON of {@code GET /api/v1/datapath}, from a stub datapath. Security is tested over HTTP (ApiAccessTest);
 * here its filters are off and Spring Boot's default user is not made.
 */
@WebMvcTest(controllers = DatapathController.class,
        excludeAutoConfiguration = UserDetailsServiceAutoConfiguration.class)
@AutoConfigureMockMvc(addFilters = false)
class DatapathControllerTest {

    private static final Usage USAGE = new Usage(new Capacity(1024, 16384, 256, 1024), 3, 7);

    @TestConfiguration(proxyBeanMethods = false)
    static class Stub {

        @Bean
        StubDatapath datapath() {
            return new StubDatapath();
        }
    }

    @Autowired
    private MockMvc mvc;

    @Autowired
    private StubDatapath datapath;

    @Test
    void bpfShowsEveryAttachedProgramAndTheCapacity() throws Exception {
        datapath.reports(new DatapathStatus(DatapathMode.BPF, Optional.empty(), new SocketLbStatus(4242, List.of(
                new ProgramLink(SocketLbProgram.CONNECT4, 11, 21),
                new ProgramLink(SocketLbProgram.SENDMSG4, 12, 22),
                new ProgramLink(SocketLbProgram.RECVMSG4, 13, 23),
                new ProgramLink(SocketLbProgram.GETPEERNAME4, 14, 24),
                new ProgramLink(SocketLbProgram.CONNECT6, 15, 25),
                new ProgramLink(SocketLbProgram.SENDMSG6, 16, 26),
                new ProgramLink(SocketLbProgram.RECVMSG6, 17, 27),
                new ProgramLink(SocketLbProgram.GETPEERNAME6, 18, 28))), USAGE));

        mvc.perform(get("/api/v1/datapath"))
                .andExpect(status().isOk())
                .andExpect(content().contentType(MediaType.APPLICATION_JSON))
                .andExpect(content().json("""
                        {"mode": "bpf",
                         "socketLb": {"attached": true, "cgroupId": 4242, "programs": [
                            {"name": "connect4", "programId": 11, "linkId": 21},
                            {"name": "sendmsg4", "programId": 12, "linkId": 22},
                            {"name": "recvmsg4", "programId": 13, "linkId": 23},
                            {"name": "getpeername4", "programId": 14, "linkId": 24},
                            {"name": "connect6", "programId": 15, "linkId": 25},
                            {"name": "sendmsg6", "programId": 16, "linkId": 26},
                            {"name": "recvmsg6", "programId": 17, "linkId": 27},
                            {"name": "getpeername6", "programId": 18, "linkId": 28}]},
                         "capacity": {"services": {"used": 3, "max": 1024}, "backends": {"used": 7, "max": 16384},
                                      "maxBackendsPerService": 256, "selectionSlots": 1024,
                                      "affinityEntries": 65536, "maglevTables": {"used": 0, "max": 16},
                                      "maglevSlots": 16381}}
                        """))
                .andExpect(jsonPath("$.reason").doesNotExist());
    }

    @Test
    void aFallbackToMemorySaysWhyAndHasNoPrograms() throws Exception {
        datapath.reports(new DatapathStatus(DatapathMode.MEMORY, Optional.of("not root (effective uid 1000)"),
                new SocketLbStatus(0, List.of()), USAGE));

        mvc.perform(get("/api/v1/datapath"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.mode").value("memory"))
                .andExpect(jsonPath("$.reason").value("not root (effective uid 1000)"))
                .andExpect(jsonPath("$.socketLb.attached").value(false))
                .andExpect(jsonPath("$.socketLb.cgroupId").value(0))
                .andExpect(jsonPath("$.socketLb.programs").isEmpty());
    }

    @Test
    void programsMissingFromTheCgroupShowAsNotAttached() throws Exception {
        datapath.reports(new DatapathStatus(DatapathMode.BPF, Optional.empty(), new SocketLbStatus(4242, List.of(
                new ProgramLink(SocketLbProgram.CONNECT4, 11, 21))), USAGE));

        mvc.perform(get("/api/v1/datapath"))
                .andExpect(jsonPath("$.socketLb.attached").value(false))
                .andExpect(jsonPath("$.socketLb.programs.length()").value(1));
    }

    @Test
    void aFailingDatapathIsAProblemWithItsStatus() throws Exception {
        datapath.fails(new DatapathException(DatapathException.Reason.FAILED, "cvs_maps_usage failed: EIO"));

        mvc.perform(get("/api/v1/datapath"))
                .andExpect(status().isInternalServerError())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:cvs:problem:internal"))
                .andExpect(jsonPath("$.title").value("Internal error"))
                .andExpect(jsonPath("$.detail").value("cvs_maps_usage failed: EIO"))
                .andExpect(jsonPath("$.instance").value("/api/v1/datapath"));
    }
}
