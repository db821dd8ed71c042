package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/**
 * The journal on a 256 KiB tmpfs that a filler file fills up: writes are refused with 503 and change nothing, the
 * journal reports itself unwritable, and once the filler is gone writes succeed again without a restart. Needs
 * root to mount (skips loudly without; CI is root).
 */
class JournalDiskFullTest {

    private Path mount;
    private Path filler;
    private final MemoryDatapath datapath = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);

    @BeforeEach
    void mountTmpfs() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED LOUDLY: mounting a small tmpfs needs root; the disk-full test did not run");
        mount = TestJournals.freshDir("disk-full").getParent().resolve("tmpfs");
        Files.createDirectories(mount);
        run("mount", "-t", "tmpfs", "-o", "size=256k", "cvs-test-disk-full", mount.toString());
        filler = mount.resolve("filler");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            run("umount", mount.toString());
        }
    }

    @Test
    void aFullDiskRefusesWritesWith503ChangesNothingAndRecoversWhenSpaceIsBack() throws Exception {
        Path dir = mount.resolve("journal");
        Service web;
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS);
                ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30))) {
            web = registry.create(config("web", 0));
            fillTheDisk();

            // 40 services of ~8.5 KiB each: more than the whole file system, so the write fails however the
            // pages fall. The second attempt comes at once, as a client's retry would: it must be judged against
            // the state without the first, not find it already accepted.
            List<ServiceConfig> tooMuch = new ArrayList<>(List.of(config("web", 1)));
            for (int i = 1; i <= 40; i++) {
                tooMuch.add(config("more-" + i, "192.0.2." + (100 + i), 0));
            }
            for (int attempt = 1; attempt <= 2; attempt++) {
                assertThatThrownBy(() -> registry.replaceAll(tooMuch, false))
                        .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                            assertThat(e.getStatusCode().value()).isEqualTo(503);
                            assertThat(e.getBody().getType().toString()).isEqualTo("urn:cvs:problem:unavailable");
                            assertThat(e.getBody().getDetail()).contains("No space left on device",
                                    "nothing changed");
                            assertThat(e.getHeaders().getFirst("Retry-After")).isEqualTo("5");
                        });
            }
            assertThat(registry.byName()).containsOnlyKeys("web");
            assertThat(datapath.services()).containsExactly(web.key());
            assertThat(registry.find(web.id())).contains(web);
            assertThat(datapath.backends(web.key())).contains(web.backends());
            assertThat(journal.status().writable()).isFalse();
            assertThat(journal.status().lastFailure()).contains("No space left on device");

            Files.delete(filler);
            Service changed = registry.update(web.id(), Precondition.NONE, s -> config("web", 2)).after();

            assertThat(journal.status().writable()).isTrue();
            assertThat(changed.version()).isEqualTo(2);
            assertThat(datapath.backends(web.key())).contains(changed.backends());
        }
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS);
                ServiceRegistry restarted = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30))) {
            Service restored = restarted.find(web.id()).orElseThrow();
            assertThat(restored.version()).as("the refused writes left nothing behind").isEqualTo(2);
            assertThat(restored.content()).isEqualTo(config("web", 2));
        }
    }

    /** A service whose labels make its record several KiB, so appending it needs fresh pages of the tmpfs. */
    private static ServiceConfig config(String name, int variant) {
        return config(name, "192.0.2.10", variant);
    }

    private static ServiceConfig config(String name, String vip, int variant) {
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < ServiceRequest.MAX_LABELS; i++) {
            labels.put("label" + i, String.valueOf((char) ('a' + variant)).repeat(ServiceRequest.MAX_LABEL_VALUE));
        }
        return new ServiceRequest(name, vip, 80, "TCP", List.of(new BackendSpec("10.0.0.1", 8080, 1 + variant)),
                labels).toConfig("");
    }

    private void fillTheDisk() throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 1024; i++) {
                out.write(block);
                out.flush();
            }
            throw new AssertionError("a 256 KiB tmpfs took 4 MiB");
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": "
                + new String(process.getInputStream().readAllBytes())).isZero();
    }
}
