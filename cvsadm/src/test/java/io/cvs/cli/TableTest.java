package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.cli.Api.Service;
import io.cvs.cli.Api.ServiceStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Table}'s columns, one case per row; and the tables of README.md's tutorial, drawn from the daemon's JSON. */
class TableTest {

    static Stream<Arguments> tables() {
        return Stream.of(
                Arguments.of("each column as wide as its widest cell, two spaces apart, the last not padded",
                        new Table("NAME", "ADDRESS").row("web", "192.0.2.10:80/TCP").row("dns2", "-"), """
                        NAME  ADDRESS
                        web   192.0.2.10:80/TCP
                        dns2  -
                        """),
                Arguments.of("right-aligned columns for numbers",
                        new Table("BACKEND", "WEIGHT", "HEALTH").alignRight(1).row("10.0.0.1:80", "1", "UP")
                                .row("10.0.0.2:8080", "65535", "DOWN"), """
                        BACKEND        WEIGHT  HEALTH
                        10.0.0.1:80         1  UP
                        10.0.0.2:8080   65535  DOWN
                        """),
                Arguments.of("a right-aligned last column is padded on the left",
                        new Table("A", "N").alignRight(1).row("x", "7").row("y", "123"), """
                        A    N
                        x    7
                        y  123
                        """),
                Arguments.of("rows shorter than the header, and null cells, leave no trailing spaces",
                        new Table("Prot LocalAddress:Port", "Weight", "Conns").alignRight(1, 2)
                                .row("  -> RemoteAddress:Port").row("TCP  192.0.2.1:80", null, "5"), """
                        Prot LocalAddress:Port   Weight  Conns
                          -> RemoteAddress:Port
                        TCP  192.0.2.1:80                    5
                        """),
                Arguments.of("no header: a list of label and value",
                        new Table().row("Name:", "web").row("Version:", "12"), """
                        Name:     web
                        Version:  12
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void columns(String why, Table table, String printed) {
        assertThat(print(table)).isEqualTo(printed);
    }

    /** Step 3 of the tutorial: {@code cvsadm list} after three pushes. */
    @Test
    void theTutorialsListIsTheReadmes() throws IOException {
        Service web = Json.view(Json.JSON.readTree("""
                {"id": "svc-0f3k9q2m7x", "version": 3, "name": "web", "vip": "192.0.2.10", "port": 80,
                 "protocol": "TCP", "backends": [{"address": "10.79.1.2", "port": 8080, "weight": 1},
                 {"address": "10.79.2.2", "port": 8080, "weight": 1},
                 {"address": "10.79.3.2", "port": 8080, "weight": 2}], "labels": {}}
                """), Service.class);
        String printed = print(ListCommand.table(List.of(web), service -> Map.of()));
        assertThat(printed).isEqualTo("""
                Prot LocalAddress:Port   Name    Scheduler  Check
                  -> RemoteAddress:Port  Weight             Health
                TCP  192.0.2.10:80       web     random     -
                  -> 10.79.1.2:8080      1                  -
                  -> 10.79.2.2:8080      1                  -
                  -> 10.79.3.2:8080      2                  -
                """);
        assertThat(readme()).contains(printed);
    }

    /** Step 4 of the tutorial: {@code cvsadm stats web} before the daemon has two samples (no rates yet). */
    @Test
    void theTutorialsStatsAreTheReadmes() throws IOException {
        Service web = Json.view(Json.JSON.readTree("""
                {"id": "svc-0f3k9q2m7x", "version": 3, "name": "web", "vip": "192.0.2.10", "port": 80,
                 "protocol": "TCP", "backends": [], "labels": {}}
                """), Service.class);
        ServiceStats stats = Json.view(Json.JSON.readTree("""
                {"serviceId": "svc-0f3k9q2m7x", "name": "web", "readAt": "2026-11-29T14:00:00Z", "refused": 0,
                 "retried": 0, "backends": [
                  {"address": "10.79.1.2", "port": 8080, "weight": 1, "connections": 24, "packets": 0, "bytes": 0},
                  {"address": "10.79.2.2", "port": 8080, "weight": 1, "connections": 27, "packets": 0, "bytes": 0},
                  {"address": "10.79.3.2", "port": 8080, "weight": 2, "connections": 49, "packets": 0, "bytes": 0}]}
                """), ServiceStats.class);
        String printed = print(StatsCommand.table(List.of(web), List.of(stats)));
        assertThat(printed).isEqualTo("""
                Prot LocalAddress:Port    Weight  Conns  Conn/s  Pkts  Pkt/s  Bytes  B/s  Refused
                  -> RemoteAddress:Port
                TCP  192.0.2.10:80 (web)            100       -     0      -      0    -        0
                  -> 10.79.1.2:8080            1     24       -     0      -      0    -
                  -> 10.79.2.2:8080            1     27       -     0      -      0    -
                  -> 10.79.3.2:8080            2     49       -     0      -      0    -
                """);
        assertThat(readme()).contains(printed);
    }

    /** Step 7 of the tutorial: {@code cvsadm list} with web (b3 drained in step 5) and web-v6. */
    @Test
    void theTutorialsDualStackListIsTheReadmes() throws IOException {
        List<Service> services = Stream.of("""
                {"name": "web", "vip": "192.0.2.10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "10.79.1.2", "port": 8080, "weight": 1},
                 {"address": "10.79.2.2", "port": 8080, "weight": 1},
                 {"address": "10.79.3.2", "port": 8080, "weight": 0}]}
                """, """
                {"name": "web-v6", "vip": "2001:db8::10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "fd00:1::2", "port": 8080, "weight": 1},
                 {"address": "fd00:2::2", "port": 8080, "weight": 1},
                 {"address": "fd00:3::2", "port": 8080, "weight": 2}]}
                """).map(json -> Json.view(Json.JSON.readTree(json), Service.class)).toList();
        String printed = print(ListCommand.table(services, service -> Map.of()));
        assertThat(printed).isEqualTo("""
                Prot LocalAddress:Port   Name    Scheduler  Check
                  -> RemoteAddress:Port  Weight             Health
                TCP  192.0.2.10:80       web     random     -
                  -> 10.79.1.2:8080      1                  -
                  -> 10.79.2.2:8080      1                  -
                  -> 10.79.3.2:8080      0                  -
                TCP  [2001:db8::10]:80   web-v6  random     -
                  -> [fd00:1::2]:8080    1                  -
                  -> [fd00:2::2]:8080    1                  -
                  -> [fd00:3::2]:8080    2                  -
                """);
        assertThat(readme()).contains(printed);
    }

    /** Step 7 of the tutorial: {@code cvsadm stats web-v6} right after 100 connections (no rates yet). */
    @Test
    void theTutorialsIpv6StatsAreTheReadmes() throws IOException {
        Service web = Json.view(Json.JSON.readTree("""
                {"name": "web-v6", "vip": "2001:db8::10", "port": 80, "protocol": "TCP"}
                """), Service.class);
        ServiceStats stats = Json.view(Json.JSON.readTree("""
                {"name": "web-v6", "refused": 0, "backends": [
                  {"address": "fd00:1::2", "port": 8080, "weight": 1, "connections": 26},
                  {"address": "fd00:2::2", "port": 8080, "weight": 1, "connections": 23},
                  {"address": "fd00:3::2", "port": 8080, "weight": 2, "connections": 51}]}
                """), ServiceStats.class);
        String printed = print(StatsCommand.table(List.of(web), List.of(stats)));
        assertThat(printed).isEqualTo("""
                Prot LocalAddress:Port           Weight  Conns  Conn/s  Pkts  Pkt/s  Bytes  B/s  Refused
                  -> RemoteAddress:Port
                TCP  [2001:db8::10]:80 (web-v6)            100       -     0      -      0    -        0
                  -> [fd00:1::2]:8080                 1     26       -     0      -      0    -
                  -> [fd00:2::2]:8080                 1     23       -     0      -      0    -
                  -> [fd00:3::2]:8080                 2     51       -     0      -      0    -
                """);
        assertThat(readme()).contains(printed);
    }

    /**
     * Both families in one table: the columns as wide as the widest address (39 characters of IPv6 and a port),
     * and {@code list}'s order (backends as with {@code --sort}): IPv4 before IPv6, each by value (10.0.0.9 before
     * 10.0.0.10, fd00::9 before fd00::10), where the daemon's order is by name.
     */
    @Test
    void aDualStackListSortedByAddress() {
        List<Service> byName = Stream.of("""
                {"name": "db-v6", "vip": "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "port": 5432, "protocol": "TCP",
                 "backends": [{"address": "fd00::10", "port": 5432, "weight": 1},
                 {"address": "fd00::9", "port": 5432, "weight": 1}]}
                """, """
                {"name": "web-v4", "vip": "192.0.2.10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "10.0.0.10", "port": 8080, "weight": 1},
                 {"address": "10.0.0.9", "port": 8080, "weight": 2}]}
                """, """
                {"name": "web-v6", "vip": "2001:db8::10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "fd00::2", "port": 8080, "weight": 1}]}
                """).map(json -> Json.view(Json.JSON.readTree(json), Service.class)).toList();
        List<Service> sorted = byName.stream().sorted(ListCommand.BY_ADDRESS).map(ListCommand::sortedBackends)
                .toList();
        assertThat(print(ListCommand.table(sorted, service -> Map.of()))).isEqualTo("""
                Prot LocalAddress:Port                              Name    Scheduler  Check
                  -> RemoteAddress:Port                             Weight             Health
                TCP  192.0.2.10:80                                  web-v4  random     -
                  -> 10.0.0.9:8080                                  2                  -
                  -> 10.0.0.10:8080                                 1                  -
                TCP  [2001:db8::10]:80                              web-v6  random     -
                  -> [fd00::2]:8080                                 1                  -
                TCP  [2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:5432  db-v6   random     -
                  -> [fd00::9]:5432                                 1                  -
                  -> [fd00::10]:5432                                1                  -
                """);
    }

    private static String print(Table table) {
        StringWriter out = new StringWriter();
        table.print(new PrintWriter(out));
        return out.toString();
    }

    /** The top README (the tests run in cvsadm/). */
    private static String readme() throws IOException {
        return Files.readString(Path.of("../README.md"));
    }
}
