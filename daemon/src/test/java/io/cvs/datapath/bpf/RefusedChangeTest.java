package io.cvs.datapath.bpf;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A change libcvsbpf refuses becomes a BpfMapException with C's errno, and the maps stay exactly as they were. */
class RefusedChangeTest {

    private static final Capacity SMALL = new Capacity(3, 8, 4, 16);
    private static final ServiceKey WEB = tcp("192.0.2.10", 80);
    private static final List<Backend> WEB_BACKENDS = List.of(
            backend("10.1.0.1", 8080, 1),
            backend("10.1.0.2", 8080, 2));

    @RegisterExtension
    final PinRoots pinRoots = new PinRoots();

    private Path root;
    private MapSet maps;

    /** Everything a reader can learn from the maps. */
    private record Contents(Usage usage, Map<ServiceKey, ServiceInfo> services) {

        static Contents of(MapSet maps) {
            return new Contents(maps.usage(), maps.list().stream()
                    .collect(Collectors.toMap(Function.identity(), key -> maps.get(key).orElseThrow())));
        }
    }

    @BeforeEach
    void openWithOneService() {
        root = pinRoots.fresh();
        maps = MapSet.open(root, SMALL, OpenMode.CREATE);
        maps.upsert(WEB, WEB_BACKENDS);
    }

    @AfterEach
    void close() {
        maps.close();
    }

    @Test
    void weightAbove65535IsERANGE() {
        assertRefusedWithoutChange("ERANGE",
                () -> maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, 70_000))));
    }

    @Test
    void negativeWeightReachesCAsLargeUnsignedAndIsERANGE() {
        assertRefusedWithoutChange("ERANGE", () -> maps.upsert(WEB, List.of(backend("10.1.0.1", 8080, -1))));
    }

    @Test
    void sameBackendTwiceIsEEXIST() {
        assertRefusedWithoutChange("EEXIST", () -> maps.upsert(WEB,
                List.of(backend("10.1.0.1", 8080, 1), backend("10.1.0.9", 8080, 1), backend("10.1.0.1", 8080, 5))));
    }

    @Test
    void moreBackendsThanAServiceHoldsIsE2BIGWithLibcvsbpfsReason() {
        List<Backend> five = List.of(backend("10.1.0.1", 1, 1), backend("10.1.0.2", 1, 1),
                backend("10.1.0.3", 1, 1), backend("10.1.0.4", 1, 1), backend("10.1.0.5", 1, 1));

        BpfMapException refused = assertRefusedWithoutChange("E2BIG", () -> maps.upsert(WEB, five));

        assertThat(refused.libraryMessage()).hasValueSatisfying(m -> assertThat(m).contains("5"));
        assertThat(refused.operation()).isEqualTo("cvs_service_upsert_policy");
    }

    @Test
    void aServiceBeyondMaxServicesIsENOSPC() {
        maps.upsert(tcp("192.0.2.11", 80), List.of(backend("10.2.0.1", 80, 1)));
        maps.upsert(tcp("192.0.2.12", 80), List.of(backend("10.3.0.1", 80, 1)));

        assertRefusedWithoutChange("ENOSPC",
                () -> maps.upsert(tcp("192.0.2.13", 80), List.of(backend("10.4.0.1", 80, 1))));
    }

    @Test
    void backendsBeyondMaxBackendsAreENOSPC() {
        maps.upsert(tcp("192.0.2.11", 80), List.of(backend("10.2.0.1", 80, 1), backend("10.2.0.2", 80, 1),
                backend("10.2.0.3", 80, 1), backend("10.2.0.4", 80, 1)));

        assertRefusedWithoutChange("ENOSPC", () -> maps.upsert(tcp("192.0.2.12", 80),
                List.of(backend("10.3.0.1", 80, 1), backend("10.3.0.2", 80, 1), backend("10.3.0.3", 80, 1))));
    }

    @Test
    void portZeroAndAddressZeroAreEINVAL() {
        assertRefusedWithoutChange("EINVAL", () -> maps.upsert(tcp("192.0.2.10", 0), WEB_BACKENDS));
        assertRefusedWithoutChange("EINVAL", () -> maps.upsert(WEB, List.of(backend("10.1.0.1", 0, 1))));
        assertRefusedWithoutChange("EINVAL", () -> maps.upsert(WEB, List.of(backend("0.0.0.0", 8080, 1))));
    }

    @Test
    void aSecondWriterOnTheSameMapSetIsEBUSY() {
        assertRefusedWithoutChange("EBUSY", () -> MapSet.open(root, SMALL, OpenMode.CREATE).close());
        assertRefusedWithoutChange("EBUSY", () -> MapSet.destroy(root));

        maps.upsert(WEB, List.of(backend("10.1.0.3", 8080, 1)));
        assertThat(maps.get(WEB).orElseThrow().backends()).containsExactly(backend("10.1.0.3", 8080, 1));
    }

    @Test
    void reopeningWithAnotherCapacityIsEEXIST() {
        Contents before = Contents.of(maps);
        maps.close();

        assertThatThrownBy(() -> MapSet.open(root, new Capacity(4, 8, 4, 16), OpenMode.EXISTING))
                .isInstanceOfSatisfying(BpfMapException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));

        maps = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.EXISTING);
        assertThat(Contents.of(maps)).isEqualTo(before);
    }

    @Test
    void aPinRootOutsideBpffsIsEINVALAndCreatesNothing(@TempDir Path notBpffs) throws Exception {
        assertThatThrownBy(() -> MapSet.open(notBpffs.resolve("cvs"), SMALL, OpenMode.CREATE))
                .isInstanceOfSatisfying(BpfMapException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("EINVAL");
                    assertThat(e.errno()).isEqualTo(22);
                    assertThat(e.getMessage()).contains("cvs_maps_open", "EINVAL", "Invalid argument");
                });
        try (var left = Files.list(notBpffs)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void whatJavaCannotHandToCIsRefusedBeforeTheCall() {
        assertThatThrownBy(() -> maps.upsert(null, WEB_BACKENDS)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> maps.upsert(WEB, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> maps.upsert(WEB, Arrays.asList(WEB_BACKENDS.get(0), null)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Backend(ip("10.1.0.1"), 70_000, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ServiceKey(ip("192.0.2.1"), -1, Protocol.TCP))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(maps.get(WEB).orElseThrow().backends()).isEqualTo(WEB_BACKENDS);
    }

    @Test
    void aClosedMapSetRefusesCallsInsteadOfReachingFreedMemory() {
        maps.close();

        assertThatThrownBy(() -> maps.get(WEB)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> maps.upsert(WEB, WEB_BACKENDS)).isInstanceOf(IllegalStateException.class);
        maps.close();
    }

    private BpfMapException assertRefusedWithoutChange(String errnoName, ThrowingCallable change) {
        Contents before = Contents.of(maps);

        BpfMapException refused = catchBpfMapException(change);

        assertThat(refused.errnoName()).as(refused.getMessage()).isEqualTo(errnoName);
        assertThat(Contents.of(maps)).isEqualTo(before);
        return refused;
    }

    private static BpfMapException catchBpfMapException(ThrowingCallable change) {
        Throwable thrown = catchThrowable(change);
        assertThat(thrown).isInstanceOf(BpfMapException.class);
        return (BpfMapException) thrown;
    }
}
