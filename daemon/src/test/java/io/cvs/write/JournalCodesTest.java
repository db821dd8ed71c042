package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.selection.Affinity;
import io.cvs.selection.Scheduler;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bytes journal payloads store enum-like fields as, table-driven on a one-service STATE: each constant's byte is
 * pinned here (the golden journals of {@link GoldenJournalsTest} prove these are what earlier daemons wrote), reads
 * back as that constant, and a byte no constant has is refused naming its field. The codes are the codec's tables,
 * not ordinals: reordering an enum changes no row.
 */
class JournalCodesTest {

    private static final String ID = "svc-0000000001";
    private static final String NAME = "web";
    /**
     * Offsets in the STATE: format u8, count u32, id, version u64, name, vip (family u8, 4 bytes), port u16, then
     * protocol.
     */
    private static final int PROTOCOL_AT = 1 + 4 + 2 + ID.length() + 8 + 2 + NAME.length() + 1 + 4 + 2;
    /** Offsets in a check: type u8, port u16, interval u32, timeout u32, rise u8, fall u8, initial state... */
    private static final int TYPE_AT = 0;
    private static final int INITIAL_STATE_AT = 13;
    private static final int WHEN_ALL_DOWN_AT = 14;
    /**
     * The tail of a service, after its check or its "no check" flag: removal policy u8, scheduler u8, Maglev table
     * size u32, affinity u8, affinity timeout u32. Marked by negative positions, counted from the payload's end.
     */
    private static final int POLICY_AT = -2;
    private static final int SCHEDULER_AT = -3;
    private static final int AFFINITY_AT = -4;
    /** Bytes of a service after its removal policy: the selection policy (format 5). */
    private static final int SELECTION_BYTES = 10;

    private static final HealthCheck BASE = new HealthCheck(Type.HTTP, 8081, Duration.ofMillis(2000),
            Duration.ofMillis(1000), 2, 3, InitialState.UP, WhenAllDown.FAIL_OPEN, "/healthz", 200, 399, "", "");

    /** One constant: the byte it is stored as, and where (in the check; the protocol in the service). */
    private record Row(String field, Enum<?> constant, int code, int at) {
        @Override
        public String toString() {
            return field + " " + constant + " is " + code;
        }
    }

    static Stream<Row> codes() {
        return Stream.of(
                new Row("health check type", Type.TCP, 0, TYPE_AT),
                new Row("health check type", Type.HTTP, 1, TYPE_AT),
                new Row("health check type", Type.HTTPS, 2, TYPE_AT),
                new Row("health check type", Type.UDP, 3, TYPE_AT),
                new Row("health check initial state", InitialState.UP, 0, INITIAL_STATE_AT),
                new Row("health check initial state", InitialState.DOWN, 1, INITIAL_STATE_AT),
                new Row("health check when-all-down", WhenAllDown.FAIL_OPEN, 0, WHEN_ALL_DOWN_AT),
                new Row("health check when-all-down", WhenAllDown.FAIL_CLOSED, 1, WHEN_ALL_DOWN_AT),
                new Row("on backend removal", OnBackendRemoval.KEEP, 0, POLICY_AT),
                new Row("on backend removal", OnBackendRemoval.RESET, 1, POLICY_AT),
                new Row("scheduler", Scheduler.RANDOM, 0, SCHEDULER_AT),
                new Row("scheduler", Scheduler.MAGLEV, 1, SCHEDULER_AT),
                new Row("session affinity", Affinity.NONE, 0, AFFINITY_AT),
                new Row("session affinity", Affinity.CLIENT_IP, 1, AFFINITY_AT),
                new Row("IP protocol", Protocol.TCP, 6, -1),
                new Row("IP protocol", Protocol.UDP, 17, -1));
    }

    @Test
    void theTableHasEveryConstantOfEveryStoredEnum() {
        assertThat(codes().map(Row::constant)).as("a new constant needs a row, with its own code")
                .containsExactlyInAnyOrderElementsOf(Stream.of(Type.values(), InitialState.values(),
                        WhenAllDown.values(), OnBackendRemoval.values(), Scheduler.values(), Affinity.values(),
                        Protocol.values()).flatMap(Stream::of)
                        .toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codes")
    void eachConstantIsWrittenAsItsCodeAndReadsBack(Row row) {
        Service service = row.constant() instanceof Protocol protocol ? service(protocol, BASE)
                : row.constant() instanceof OnBackendRemoval policy ? withPolicy(policy)
                : row.constant() instanceof Scheduler scheduler ? withSelection(scheduler == Scheduler.MAGLEV
                        ? SelectionPolicy.maglev(251) : SelectionPolicy.DEFAULT)
                : row.constant() instanceof Affinity affinity ? withSelection(affinity == Affinity.CLIENT_IP
                        ? SelectionPolicy.DEFAULT.withAffinity(60) : SelectionPolicy.DEFAULT)
                : service(Protocol.TCP, with(row.constant()));
        byte[] payload = JournalCodec.state(List.of(service));

        int at = row.at() < -1 ? tail(payload, row.at()) : offset(row);
        assertThat(payload[at] & 0xff).as("the byte written").isEqualTo(row.code());
        assertThat(JournalCodec.readState(payload)).containsExactly(service);
    }

    /** A byte no constant of the field has, and where it goes in the check. */
    private record Unknown(String field, int code, int at) {
        @Override
        public String toString() {
            return field + " " + code;
        }
    }

    static Stream<Unknown> unknownCodes() {
        return Stream.of(
                new Unknown("health check type", 4, TYPE_AT),
                new Unknown("health check type", 200, TYPE_AT),
                new Unknown("health check initial state", 2, INITIAL_STATE_AT),
                new Unknown("health check when-all-down", 2, WHEN_ALL_DOWN_AT),
                new Unknown("on backend removal", 2, POLICY_AT),
                new Unknown("scheduler", 2, SCHEDULER_AT),
                new Unknown("session affinity", 2, AFFINITY_AT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownCodes")
    void anUnknownCodeIsRefusedNamingTheField(Unknown row) {
        byte[] payload = JournalCodec.state(List.of(service(Protocol.TCP, BASE)));
        payload[row.at() < -1 ? tail(payload, row.at()) : checkStart() + row.at()] = (byte) row.code();

        assertThatThrownBy(() -> JournalCodec.readState(payload)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not decode: " + row.field() + " " + row.code()
                        + " is not one this daemon knows");
    }

    @Test
    void anUnknownProtocolIsRefused() {
        byte[] payload = JournalCodec.state(List.of(service(Protocol.TCP, null)));
        payload[PROTOCOL_AT] = 99;

        assertThatThrownBy(() -> JournalCodec.readState(payload))
                .hasMessageContaining("IP protocol 99 is not one a service can have");
    }

    /** The byte before the check says whether one follows: 0 or 1, nothing else (once read as "none"). */
    @Test
    void aCheckFlagOtherThanNoneOrFollowsIsRefused() {
        byte[] payload = JournalCodec.state(List.of(service(Protocol.TCP, null)));
        int flag = payload.length - 2 - SELECTION_BYTES;
        assertThat(payload[flag]).as("the flag of a service without a check").isZero();
        payload[flag] = 2;

        assertThatThrownBy(() -> JournalCodec.readState(payload))
                .hasMessageContaining("health check flag 2 is not one this daemon knows");
    }

    @Test
    void eachTableGivesEveryConstantItsOwnCodeAndReadsItBack() throws IOException {
        assertRoundTrips(JournalCodec.TYPES, Type.values());
        assertRoundTrips(JournalCodec.INITIAL_STATES, InitialState.values());
        assertRoundTrips(JournalCodec.WHEN_ALL_DOWN, WhenAllDown.values());
        assertRoundTrips(JournalCodec.ON_BACKEND_REMOVAL, OnBackendRemoval.values());
        assertRoundTrips(JournalCodec.SCHEDULERS, Scheduler.values());
        assertRoundTrips(JournalCodec.AFFINITIES, Affinity.values());
    }

    private static <E extends Enum<E>> void assertRoundTrips(JournalCodec.Codes<E> codes, E[] constants)
            throws IOException {
        assertThat(Stream.of(constants).map(codes::code)).as("distinct codes").doesNotHaveDuplicates();
        for (E constant : constants) {
            assertThat(codes.constant(codes.code(constant))).isEqualTo(constant);
        }
    }

    /** A constant's code is what the table says, whatever its position in the enum. */
    @Test
    void aCodeIsTheTablesNotTheOrdinal() throws IOException {
        enum Reordered { DOWN, UP }
        JournalCodec.Codes<Reordered> codes = new JournalCodec.Codes<>("state", Reordered.class, s -> switch (s) {
            case UP -> 0;
            case DOWN -> 1;
        });

        assertThat(codes.code(Reordered.UP)).isZero();
        assertThat(codes.constant(1)).isEqualTo(Reordered.DOWN);
    }

    @Test
    void aTableGivingTwoConstantsOneCodeOrOneNotAByteIsRefusedWhenBuilt() {
        assertThatThrownBy(() -> new JournalCodec.Codes<>("health check type", Type.class,
                t -> t == Type.UDP ? 0 : JournalCodec.TYPES.code(t)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("health check type code 0 is both ").hasMessageContainingAll("TCP", "UDP");
        assertThatThrownBy(() -> new JournalCodec.Codes<>("health check type", Type.class,
                t -> t == Type.UDP ? 256 : JournalCodec.TYPES.code(t)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("health check type UDP has code 256, not a u8");
    }

    /** Where row's byte is in a one-service STATE whose service has a check. */
    private static int offset(Row row) {
        return row.at() < 0 ? PROTOCOL_AT : checkStart() + row.at();
    }

    /** Where a byte of the service's tail is: from the end of a one-service payload. */
    private static int tail(byte[] payload, int at) {
        return payload.length - switch (at) {
            case POLICY_AT -> 1 + SELECTION_BYTES;
            case SCHEDULER_AT -> SELECTION_BYTES;
            case AFFINITY_AT -> 5;
            default -> throw new IllegalArgumentException("no tail position " + at);
        };
    }

    /**
     * The check follows the flag that says one follows; everything before is the same as in a service without one,
     * whose flag is followed only by the tail that ends every service.
     */
    private static int checkStart() {
        return JournalCodec.state(List.of(service(Protocol.TCP, null))).length - 1 - SELECTION_BYTES;
    }

    private static Service withSelection(SelectionPolicy selection) {
        Service plain = service(Protocol.TCP, BASE);
        return new Service(plain.id(), plain.version(), plain.content().withSelection(selection));
    }

    private static Service withPolicy(OnBackendRemoval policy) {
        Service plain = service(Protocol.TCP, BASE);
        return new Service(plain.id(), plain.version(), plain.content().withOnBackendRemoval(policy));
    }

    private static HealthCheck with(Enum<?> constant) {
        return new HealthCheck(constant instanceof Type type ? type : BASE.type(), BASE.port(), BASE.interval(),
                BASE.timeout(), BASE.rise(), BASE.fall(),
                constant instanceof InitialState state ? state : BASE.initialState(),
                constant instanceof WhenAllDown allDown ? allDown : BASE.whenAllDown(), BASE.path(), BASE.statusMin(),
                BASE.statusMax(), BASE.send(), BASE.expect());
    }

    private static Service service(Protocol protocol, HealthCheck check) {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("app", "shop");
        return new Service(ID, 1, new ServiceConfig(NAME, new ServiceKey(ip("192.0.2.10"), 80, protocol),
                List.of(new Backend(ip("10.0.0.1"), 8080, 1)), labels, check));
    }

    private static Inet4Address ip(String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
