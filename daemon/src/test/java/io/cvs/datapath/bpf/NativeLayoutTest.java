package io.cvs.datapath.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Java lays out every struct that crosses the boundary as the loaded libcvsbpf does (also checked at load). */
class NativeLayoutTest {

    @Test
    void everyStructHasTheSizeCGivesIt() {
        Map<String, Long> c = NativeLayout.cSizes();

        NativeLayout.javaSizes().forEach((name, javaSize) -> {
            assertThat(c.get(name)).as("sizeof(struct %s) in C", name).isPositive().isEqualTo(javaSize.longValue());
        });
    }

    @Test
    void theBackendArrayOfAnUpsertIsTwelveBytesAnElement() {
        assertThat(LibCvsBpf.cvs_sizeof("cvs_backend_spec")).isEqualTo(12);
    }

    @Test
    void cDoesNotPretendToKnowAStructItDoesNotExport() {
        assertThat(LibCvsBpf.cvs_sizeof("no_such_struct")).isZero();
    }
}
