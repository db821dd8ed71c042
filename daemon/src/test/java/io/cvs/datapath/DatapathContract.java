package io.cvs.datapath;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cvs.datapath.Datapath.Held;
import io.cvs.datapath.DatapathException.Reason;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.FlowHash;
import io.cvs.selection.PickedBackend;
import io.cvs.selection.SelectionPolicy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Datapath} does, run against each of them: {@link MemoryDatapathTest} and, as root,
 * {@link BpfDatapathTest}. That the memory datapath passes the same tests as the maps is what lets the rest of
 * the daemon be tested against it.
 */
public abstract class DatapathContract {

    /**
     * 2 services, 4 backend ids, 3 backends per service, 16 selection slots, 64 affinity entries, one Maglev region
     * of at most 31 slots.
     */
    protected static final Capacity SMALL = new Capacity(2, 4, 3, 16, 64, 1, 31);
    private static final SelectionPolicy MAGLEV_13 = SelectionPolicy.maglev(13);
    private static final ClientFlow CLIENT = ClientFlow.routed(backend("198.51.100.7", 1, 1).address(), 40112);

    protected static final ServiceKey WEB = tcp("192.0.2.10", 80);
    protected static final ServiceKey DNS = tcp("192.0.2.53", 53);
    protected static final Backend A = backend("10.1.0.1", 8080, 1);
    protected static final Backend B = backend("10.1.0.2", 8080, 2);
    protected static final Backend C = backend("10.1.0.3", 8080, 1);
    protected static final Backend D = backend("10.1.0.4", 8080, 1);

    protected static final ServiceKey WEB6 = tcp("2001:db8::10", 80);
    protected static final Backend A6 = backend("fd00::1:1", 8080, 1);
    protected static final Backend B6 = backend("fd00::1:2", 8080, 2);

    protected Datapath datapath;

    /** A new, empty datapath of SMALL capacity. */
    protected abstract Datapath open() throws Exception;

    @BeforeEach
    protected void openEmpty() throws Exception {
        datapath = open();
    }

    @Test
    void anAppliedServiceIsListedWithItsBackendsInOrder() {
        datapath.apply(WEB, List.of(B, A));

        assertThat(datapath.services()).containsExactly(WEB);
        assertThat(datapath.backends(WEB)).contains(List.of(B, A));
        assertThat(datapath.backends(DNS)).isEmpty();
    }

    @Test
    void applyingAgainReplacesTheWholeSet() {
        datapath.apply(WEB, List.of(A, B));

        datapath.apply(WEB, List.of(C, backend("10.1.0.1", 8080, 0)));

        assertThat(datapath.backends(WEB)).contains(List.of(C, backend("10.1.0.1", 8080, 0)));
        assertThat(datapath.status().usage()).isEqualTo(new Usage(SMALL, 1, 2));
    }

    @Test
    void aDownMemberReadsBackAsDownAndIsNotTheSameAsThatMemberUp() {
        Backend downB = B.withDown(true);
        datapath.apply(WEB, List.of(A, downB));

        assertThat(datapath.backends(WEB)).contains(List.of(A, downB));
        assertThat(datapath.compare(List.of(WEB), List.of(List.of(A, downB)))).containsExactly(Datapath.Held.SAME);
        assertThat(datapath.compare(List.of(WEB), List.of(List.of(A, B)))).containsExactly(Datapath.Held.OTHER);

        datapath.apply(WEB, List.of(A, B));
        assertThat(datapath.backends(WEB)).contains(List.of(A, B));
    }

    @Test
    void aSweepWithNothingStaleEndsNothing() {
        datapath.apply(WEB, List.of(A, B));

        assertThat(datapath.sweepFlows(Set.of(WEB))).isEmpty();
    }

    @Test
    void removingSaysWhetherThereWasAServiceAndFreesItsIds() {
        datapath.apply(WEB, List.of(A, B, C));

        assertThat(datapath.remove(WEB)).isTrue();
        assertThat(datapath.remove(WEB)).isFalse();

        assertThat(datapath.services()).isEmpty();
        assertThat(datapath.status().usage()).isEqualTo(new Usage(SMALL, 0, 0));
        datapath.apply(DNS, List.of(A, B, C));
    }

    @Test
    void countersHaveOneEntryPerBackendAndStartAtZero() {
        datapath.apply(WEB, List.of(A, B));

        assertThat(datapath.counters(WEB)).hasValueSatisfying(counters -> {
            assertThat(counters.refused()).isZero();
            assertThat(counters.backends()).containsExactly(new BackendCounters(A.address(), A.port(), 0, 0, 0),
                    new BackendCounters(B.address(), B.port(), 0, 0, 0));
        });
        assertThat(datapath.counters(DNS)).isEmpty();
    }

    @Test
    void statusCountsServicesAndBackendsAgainstTheCapacity() {
        datapath.apply(WEB, List.of(A, B));
        datapath.apply(DNS, List.of(C));

        assertThat(datapath.status().usage()).isEqualTo(new Usage(SMALL, 2, 3));
    }

    @Test
    void moreBackendsThanAServiceMayHaveIsTooManyBackends() {
        datapath.apply(WEB, List.of(A));

        DatapathException refused = assertRefused(Reason.TOO_MANY_BACKENDS,
                () -> datapath.apply(WEB, List.of(A, B, C, D)));

        assertThat(refused.getStatusCode().value()).isEqualTo(409);
        assertThat(refused.getBody().getProperties()).containsExactlyInAnyOrderEntriesOf(
                Map.of("resource", "backendsPerService", "used", 4L, "max", 3L));
    }

    @Test
    void aServiceBeyondTheLastFreeIdIsCapacityExhausted() {
        datapath.apply(WEB, List.of(A));
        datapath.apply(DNS, List.of(B));

        DatapathException refused = assertRefused(Reason.CAPACITY_EXHAUSTED,
                () -> datapath.apply(tcp("192.0.2.11", 80), List.of(C)));

        assertThat(refused.getStatusCode().value()).isEqualTo(507);
        assertThat(refused.getBody().getProperties()).containsExactlyInAnyOrderEntriesOf(
                Map.of("resource", "services", "used", 2L, "max", 2L, "requested", 1L));
    }

    /** The new set is written beside the old one, so new backends need free ids before the old ones are freed. */
    @Test
    void newBackendsNeedFreeIdsEvenWhenTheSetTheyReplaceWouldMakeRoom() {
        datapath.apply(WEB, List.of(A, B, C));

        DatapathException refused = assertRefused(Reason.CAPACITY_EXHAUSTED,
                () -> datapath.apply(WEB, List.of(D, backend("10.1.0.5", 8080, 1))));

        assertThat(refused.getBody().getProperties()).containsExactlyInAnyOrderEntriesOf(
                Map.of("resource", "backends", "used", 3L, "max", 4L, "requested", 2L));

        datapath.apply(WEB, List.of(A, B, D));
        assertThat(datapath.status().usage()).isEqualTo(new Usage(SMALL, 1, 3));
    }

    @Test
    void aBackendListedTwiceIsInvalid() {
        datapath.apply(WEB, List.of(C));

        assertRefused(Reason.INVALID, () -> datapath.apply(WEB, List.of(A, backend("10.1.0.1", 8080, 5))));
    }

    @Test
    void aWeightAbove65535IsInvalid() {
        datapath.apply(WEB, List.of(C));

        assertRefused(Reason.INVALID, () -> datapath.apply(WEB, List.of(backend("10.1.0.1", 8080, 65536))));
    }

    @Test
    void portZeroIsInvalid() {
        datapath.apply(WEB, List.of(C));

        assertRefused(Reason.INVALID, () -> datapath.apply(tcp("192.0.2.10", 0), List.of(A)));
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB, List.of(backend("10.1.0.1", 0, 1))));
    }

    @Test
    void addressZeroIsInvalid() {
        datapath.apply(WEB, List.of(C));

        assertRefused(Reason.INVALID, () -> datapath.apply(tcp("0.0.0.0", 80), List.of(A)));
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB, List.of(backend("0.0.0.0", 8080, 1))));
    }

    @Test
    void aResizeHoldsExactlyTheContentsGivenAndMakesRoomForMore() {
        datapath.apply(WEB, List.of(A, B));
        datapath.apply(DNS, List.of(C));
        Map<ServiceKey, List<Backend>> contents = contents();

        datapath.resize(new Capacity(8, 16, 4, 16), contents);

        assertThat(contents()).isEqualTo(contents);
        assertThat(datapath.usage()).isEqualTo(new Usage(new Capacity(8, 16, 4, 16), 2, 3));
        assertThat(datapath.consistent(WEB)).isTrue();
        datapath.apply(tcp("192.0.2.11", 80), List.of(A, B, C, D));
        assertThat(datapath.services()).hasSize(3);
    }

    @Test
    void aResizeThatCannotHoldTheContentsIsRefusedAndTheServingMapsStay() {
        datapath.apply(WEB, List.of(A, B, C));
        datapath.apply(DNS, List.of(D));

        assertRefused(Reason.CAPACITY_EXHAUSTED, () -> datapath.resize(new Capacity(1, 4, 3, 16), contents()));
        assertRefused(Reason.TOO_MANY_BACKENDS, () -> datapath.resize(new Capacity(2, 4, 2, 16), contents()));
        assertRefused(Reason.INVALID, () -> datapath.resize(new Capacity(2, 4, 32, 16), contents()));
        assertThat(datapath.consistent(WEB)).isTrue();
    }

    @Test
    void anIpv6ServiceLivesBesideAnIpv4OneWithTheSameIdsAndCounters() {
        datapath.apply(WEB, List.of(A));
        datapath.apply(WEB6, List.of(B6, A6));

        assertThat(datapath.services()).containsExactlyInAnyOrder(WEB, WEB6);
        assertThat(datapath.backends(WEB6)).contains(List.of(B6, A6));
        assertThat(datapath.backends(tcp("2001:db8::11", 80))).isEmpty();
        assertThat(datapath.status().usage()).isEqualTo(new Usage(SMALL, 2, 3));
        assertThat(datapath.consistent(WEB6)).isTrue();
        assertThat(datapath.compare(List.of(WEB6, WEB6), List.of(List.of(B6, A6), List.of(A6))))
                .containsExactly(Datapath.Held.SAME, Datapath.Held.OTHER);
        assertThat(datapath.counters(WEB6)).hasValueSatisfying(counters -> assertThat(counters.backends())
                .containsExactly(new BackendCounters(B6.address(), 8080, 0, 0, 0),
                        new BackendCounters(A6.address(), 8080, 0, 0, 0)));
        assertThat(datapath.allCounters()).containsOnlyKeys(WEB, WEB6);

        assertThat(datapath.remove(WEB6)).isTrue();
        assertThat(datapath.services()).containsExactly(WEB);
        assertThat(datapath.status().usage()).isEqualTo(new Usage(SMALL, 1, 1));
    }

    /** An address is its bytes: any valid text of it names the same service and the same backend. */
    @Test
    void anIpv6BackendOfAnIpv6ServiceIsTheSameWhateverItsTextWas() {
        datapath.apply(WEB6, List.of(backend("FD00:0:0::1:1", 8080, 1)));

        assertThat(datapath.backends(tcp("2001:DB8:0::10", 80))).contains(List.of(A6));
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB6, List.of(A6, backend("fd00:0::1:1", 8080, 3))));
    }

    @Test
    void aServiceHasOneFamily() {
        datapath.apply(WEB6, List.of(A6));
        datapath.apply(WEB, List.of(A));

        assertRefused(Reason.INVALID, () -> datapath.apply(WEB6, List.of(A6, A)));
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB, List.of(A6)));
    }

    @Test
    void ipv6AddressZeroAndIpv4MappedAddressesAreInvalid() {
        datapath.apply(WEB6, List.of(A6));

        assertRefused(Reason.INVALID, () -> datapath.apply(tcp("::", 80), List.of(A6)));
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB6, List.of(backend("::", 8080, 1))));
        assertRefused(Reason.INVALID, () -> datapath.apply(tcp("::ffff:192.0.2.10", 80), List.of(A6)));
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB6, List.of(backend("::ffff:10.1.0.1", 8080, 1))));
    }

    @Test
    void aResizeCarriesIpv6Services() {
        datapath.apply(WEB, List.of(A));
        datapath.apply(WEB6, List.of(A6, B6));
        Map<ServiceKey, List<Backend>> contents = contents();

        datapath.resize(new Capacity(8, 16, 4, 16), contents);

        assertThat(contents()).isEqualTo(contents);
        assertThat(datapath.consistent(WEB6)).isTrue();
    }

    /** Refused, and with nothing changed: the services, their backends and the usage are as before. */
    @Test
    void aPolicyIsHeldWithItsServiceAndTheCompareSeesIt() {
        SelectionPolicy maglevWithAffinity = MAGLEV_13.withAffinity(60);
        datapath.apply(WEB, List.of(A, B), maglevWithAffinity);
        datapath.apply(DNS, List.of(C));

        assertThat(datapath.policy(WEB)).contains(maglevWithAffinity);
        assertThat(datapath.policy(DNS)).contains(SelectionPolicy.DEFAULT);
        assertThat(datapath.policy(tcp("192.0.2.99", 80))).isEmpty();
        assertThat(datapath.compare(List.of(WEB, DNS), List.of(List.of(A, B), List.of(C)),
                List.of(maglevWithAffinity, SelectionPolicy.DEFAULT))).containsExactly(Held.SAME, Held.SAME);
        assertThat(datapath.compare(List.of(WEB, DNS), List.of(List.of(A, B), List.of(C)),
                List.of(MAGLEV_13, SelectionPolicy.maglev(7)))).containsExactly(Held.OTHER, Held.OTHER);
        assertThat(datapath.usage().maglevTables()).isEqualTo(1);

        datapath.apply(WEB, List.of(A, B));
        assertThat(datapath.policy(WEB)).contains(SelectionPolicy.DEFAULT);
        assertThat(datapath.usage().maglevTables()).as("the region is freed on leaving MAGLEV").isZero();
    }

    @Test
    void aMaglevPickGivesAClientTheSameBackendWithTheFlowHashEveryDatapathComputes() {
        datapath.apply(WEB, List.of(A, B, C), MAGLEV_13);

        PickedBackend first = datapath.pick(WEB, CLIENT).orElseThrow();

        assertThat(first.reason()).isEqualTo(PickedBackend.Reason.MAGLEV);
        assertThat(first.hash()).isEqualTo(FlowHash.of(CLIENT, WEB.vip(), WEB.port(), WEB.protocol().number()));
        assertThat(List.of(A, B, C)).extracting(Endpoint::of).contains(new Endpoint(first.address(), first.port()));
        for (int i = 0; i < 20; i++) {
            assertThat(datapath.pick(WEB, CLIENT).orElseThrow()).isEqualTo(first);
        }
    }

    @Test
    void aRandomPickIsOneSampleOfTheBackendsWithWeight() {
        datapath.apply(WEB, List.of(A, backend("10.1.0.2", 8080, 0)));

        PickedBackend pick = datapath.pick(WEB, CLIENT).orElseThrow();

        assertThat(pick.reason()).isEqualTo(PickedBackend.Reason.RANDOM);
        assertThat(new Endpoint(pick.address(), pick.port())).isEqualTo(Endpoint.of(A));
        assertThat(pick.affinityAgeNanos()).isZero();
    }

    @Test
    void aPickOfAServiceWithoutAUsableBackendIsRefusedAndOfNoServiceEmpty() {
        datapath.apply(WEB, List.of(backend("10.1.0.1", 8080, 0), B.withDown(true)), MAGLEV_13);

        DatapathException refused = catchThrowableOfType(DatapathException.class,
                () -> datapath.pick(WEB, CLIENT));

        assertThat(refused.reason()).isEqualTo(Reason.NO_USABLE_BACKEND);
        assertThat(datapath.pick(DNS, CLIENT)).isEmpty();
    }

    @Test
    void policiesTheMapsCannotHoldAreRefused() {
        datapath.apply(WEB, List.of(A), MAGLEV_13);

        assertThat(assertRefused(Reason.CAPACITY_EXHAUSTED,
                () -> datapath.apply(DNS, List.of(C), SelectionPolicy.maglev(7))).getBody().getProperties())
                .containsEntry("resource", "maglevTables");
        assertThat(assertRefused(Reason.CAPACITY_EXHAUSTED,
                () -> datapath.apply(WEB, List.of(A), SelectionPolicy.maglev(37))).getBody().getProperties())
                .containsEntry("resource", "maglevSlots");
        assertRefused(Reason.INVALID, () -> datapath.apply(WEB, List.of(A), SelectionPolicy.maglev(15)));
        assertThat(datapath.policy(WEB)).contains(MAGLEV_13);
    }

    @Test
    void aResizeCarriesEachServicesPolicyAndTheNewPolicyCapacity() {
        datapath.apply(WEB, List.of(A, B), MAGLEV_13);
        datapath.apply(DNS, List.of(C), SelectionPolicy.DEFAULT.withAffinity(30));
        Capacity larger = new Capacity(4, 8, 3, 16, 128, 2, 61);

        datapath.resize(larger, contents(), Map.of(WEB, MAGLEV_13, DNS, SelectionPolicy.DEFAULT.withAffinity(30)));

        assertThat(datapath.policy(WEB)).contains(MAGLEV_13);
        assertThat(datapath.policy(DNS)).contains(SelectionPolicy.DEFAULT.withAffinity(30));
        assertThat(datapath.usage().max()).isEqualTo(larger);
        assertThat(datapath.affinityUsage().capacity()).isEqualTo(128);
        datapath.apply(DNS, List.of(C), SelectionPolicy.maglev(61));
        assertThat(datapath.usage().maglevTables()).isEqualTo(2);
    }

    private DatapathException assertRefused(Reason reason, Runnable change) {
        Map<ServiceKey, List<Backend>> before = contents();
        Usage usageBefore = datapath.status().usage();

        DatapathException refused = catchThrowableOfType(DatapathException.class, change::run);

        assertThat(refused).as("refused").isNotNull();
        assertThat(refused.reason()).as(refused.getBody().getDetail()).isEqualTo(reason);
        assertThat(contents()).isEqualTo(before);
        assertThat(datapath.status().usage()).isEqualTo(usageBefore);
        return refused;
    }

    private Map<ServiceKey, List<Backend>> contents() {
        return datapath.services().stream()
                .collect(Collectors.toMap(Function.identity(), key -> datapath.backends(key).orElseThrow()));
    }
}
