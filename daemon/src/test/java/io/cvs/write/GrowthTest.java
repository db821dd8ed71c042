package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.ServiceConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/**
 * Automatic growth through the real registry, journal and committer, on the memory datapath (which resizes by the
 * same rules as the maps; the BPF resize under traffic is {@code io.cvs.e2e.GrowthUnderTrafficTest}).
 */
class GrowthTest {

    /** Starts at 4 services and 8 backends, grows up to 64 services and 128 backends. */
    private static final CapacityPolicy UP_TO_64 =
            new CapacityPolicy(Capacity.AS_PINNED_OR_DEFAULT, true, 64, 128);

    private final MemoryDatapath memory = new MemoryDatapath(new Capacity(4, 8, 4, 16), null);
    private final Journal journal = TestJournals.open("growth");
    private ServiceRegistry registry = new ServiceRegistry(memory, journal, UP_TO_64, true, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    private static ServiceConfig config(int i, int backends) {
        List<BackendSpec> specs = new ArrayList<>();
        for (int b = 1; b <= backends; b++) {
            specs.add(new BackendSpec("10.0." + i + "." + b, 8080, 1));
        }
        return new ServiceRequest("s" + i, "192.0.2." + (i % 250 + 1), 1000 + i, "TCP", specs, Map.of())
                .toConfig("");
    }

    @Test
    void creatingPastTheCapacityDoublesItOneStepAtATimeAndKeepsEveryService() {
        for (int i = 0; i < 20; i++) {
            registry.create(config(i, 1));
        }

        Capacity now = memory.usage().max();
        assertThat(now.maxServices()).isEqualTo(32);
        assertThat(now.maxBackends()).isEqualTo(32);
        assertThat(memory.services()).hasSize(20);
        CapacityState state = registry.capacityState();
        assertThat(state.resizes()).isEqualTo(3);
        assertThat(state.last().trigger()).isEqualTo("automatic");
        assertThat(state.last().from().maxServices()).isEqualTo(16);
        assertThat(state.last().to().maxServices()).isEqualTo(32);
        assertThat(state.usage().services()).isEqualTo(20);
    }

    @Test
    void aBulkChangeGrowsOnceToWhatTheWholeChangeNeeds() {
        List<ServiceConfig> desired = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            desired.add(config(i, 2));
        }

        registry.replaceAll(desired, false);

        assertThat(memory.usage().max().maxServices()).isEqualTo(64);
        assertThat(memory.usage().max().maxBackends()).isEqualTo(128);
        assertThat(memory.services()).hasSize(40);
        assertThat(registry.capacityState().resizes()).isEqualTo(1);
    }

    @Test
    void aChangeBeyondTheCeilingIs507SayingWhatTheWholeChangeNeedsAndChangesNothing() {
        registry.create(config(0, 1));
        List<ServiceConfig> desired = new ArrayList<>();
        for (int i = 0; i < 65; i++) {
            desired.add(config(i, 1));
        }

        assertThatThrownBy(() -> registry.replaceAll(desired, false))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(507);
                    assertThat(e.getBody().getDetail()).isEqualTo("The change needs room for 65 services at once "
                            + "(1 in use, 64 more); the map set holds 4 and grows automatically up to 64 "
                            + "(cvs.bpf.growth.max-services).");
                    assertThat(e.getBody().getProperties()).containsEntry("used", 1L).containsEntry("max", 64L)
                            .containsEntry("requested", 64L);
                });
        assertThat(registry.byName()).containsOnlyKeys("s0");
        assertThat(memory.usage().max().maxServices()).isEqualTo(4);
        assertThat(registry.capacityState().resizes()).isZero();
    }

    @Test
    void withoutAutomaticGrowthAFullMapSetRefusesWithItsOwnCapacity() {
        registry.close();
        registry = new ServiceRegistry(memory, journal, CapacityPolicy.FIXED, true, Duration.ofSeconds(30));
        for (int i = 0; i < 4; i++) {
            registry.create(config(i, 1));
        }

        assertThatThrownBy(() -> registry.create(config(4, 1)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> assertThat(e.getBody().getDetail())
                        .isEqualTo("The change needs room for 5 services at once (4 in use, 1 more); the map set "
                                + "holds 4."));
        assertThat(memory.usage().max().maxServices()).isEqualTo(4);
    }

    @Test
    void anOperatorsResizeRunsInOrderWithWritesAndMayShrinkToWhatIsHeld() {
        for (int i = 0; i < 3; i++) {
            registry.create(config(i, 2));
        }

        assertThat(registry.resize(new Capacity(100, 0, 0, 0)).maxServices()).isEqualTo(100);
        assertThat(registry.resize(new Capacity(3, 6, 2, 0))).isEqualTo(new Capacity(3, 6, 2, 16));
        assertThatThrownBy(() -> registry.resize(new Capacity(2, 0, 0, 0)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(409);
                    assertThat(e.getBody().getProperties()).containsEntry("resource", "services");
                });
        assertThat(memory.usage().max()).isEqualTo(new Capacity(3, 6, 2, 16));
        assertThat(memory.services()).hasSize(3);
        assertThat(registry.capacityState().last().trigger()).isEqualTo("requested");
    }

    @Test
    void aMapSetSmallerThanTheConfiguredCapacityIsGrownToItAtStart() {
        registry.close();
        CapacityPolicy atLeast32 = new CapacityPolicy(new Capacity(32, 0, 0, 0), true, 64, 128);
        registry = new ServiceRegistry(memory, journal, atLeast32, true, Duration.ofSeconds(30));

        registry.firstReconcile().join();

        assertThat(memory.usage().max().maxServices()).isEqualTo(32);
        assertThat(registry.capacityState().last().trigger()).isEqualTo("configured");
    }
}
