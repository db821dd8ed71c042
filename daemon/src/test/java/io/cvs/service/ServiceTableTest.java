package io.cvs.service;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The table is persistent: a write makes a new table and leaves every older one exactly as it was, and its
 * indexes (by id, name, key, checked; the backend count) always say what a plain map of the services says.
 */
class ServiceTableTest {

    private static final HealthCheck CHECK = new HealthCheck(Type.TCP, 0, Duration.ofSeconds(2),
            Duration.ofSeconds(1), 2, 3, InitialState.UP, WhenAllDown.FAIL_OPEN, "", 200, 399, "", "");

    @Test
    void aWriteLeavesTheTableItStartedFromAsItWas() {
        Service web = service("svc-1", "web", tcp("192.0.2.1", 80), 2, false);
        Service api = service("svc-2", "api", tcp("192.0.2.2", 443), 3, true);
        ServiceTable before = ServiceTable.of(List.of(web, api));
        Map<String, Service> seen = new TreeMap<>(before.byName());

        Service renamed = new Service("svc-1", 2, new ServiceConfig("www", tcp("192.0.2.9", 80),
                web.backends(), web.content().labels()));
        ServiceTable after = before.with(web, renamed).with(api, null);

        assertThat(before.byName()).isEqualTo(seen).containsOnlyKeys("api", "web");
        assertThat(before.byId()).containsOnlyKeys("svc-1", "svc-2").containsEntry("svc-1", web);
        assertThat(before.byKey()).containsOnlyKeys(web.key(), api.key());
        assertThat(before.checked()).containsExactly(api);
        assertThat(before.backends()).isEqualTo(5);
        assertThat(after.byName()).containsOnlyKeys("www");
        assertThat(after.byKey()).containsOnlyKeys(tcp("192.0.2.9", 80));
        assertThat(after.checked()).isEmpty();
        assertThat(after.backends()).isEqualTo(2);
        assertThatThrownBy(() -> before.byName().put("x", web)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aBulkWriteMaySwapKeysAndNamesAmongItsOwnServices() {
        Service a = service("svc-a", "a", tcp("192.0.2.1", 80), 1, false);
        Service b = service("svc-b", "b", tcp("192.0.2.2", 80), 1, false);
        ServiceTable table = ServiceTable.of(List.of(a, b));
        Service a2 = new Service("svc-a", 2, new ServiceConfig("b", b.key(), a.backends(), a.content().labels()));
        Service b2 = new Service("svc-b", 2, new ServiceConfig("a", a.key(), b.backends(), b.content().labels()));

        ServiceTable swapped = table.with(List.of(a, b), List.of(a2, b2));

        assertThat(swapped.byName()).containsEntry("b", a2).containsEntry("a", b2).hasSize(2);
        assertThat(swapped.byKey()).containsEntry(b.key(), a2).containsEntry(a.key(), b2).hasSize(2);
        assertThatThrownBy(() -> table.with(a, a2)).as("a2 takes b's name and key while b holds them")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> table.with(a2, null)).as("a2 is not what the table holds")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(table.byName()).containsEntry("a", a).containsEntry("b", b);
    }

    /**
     * Random creates, renames, moves to another key, backend changes and deletes from a small pool of names and
     * keys (so conflicts are frequent), each checked against a plain map of the services. Writes that conflict
     * are refused and change nothing. Every table made along the way is kept and checked again at the end
     * against the services it had when it was made.
     */
    @Test
    void theIndexesAgreeWithAPlainModelAfterRandomWritesAndOldTablesNeverChange() {
        Random random = new Random(20240607L);
        Map<String, Service> model = new HashMap<>();
        ServiceTable table = ServiceTable.EMPTY;
        List<ServiceTable> tables = new ArrayList<>();
        List<Map<String, Service>> models = new ArrayList<>();
        int nextId = 0;
        int refused = 0;
        for (int step = 0; step < 4000; step++) {
            List<Service> held = new ArrayList<>(model.values());
            held.sort((x, y) -> x.id().compareTo(y.id()));
            Service before = held.isEmpty() || random.nextInt(4) == 0 ? null : held.get(random.nextInt(held.size()));
            Service after;
            int op = random.nextInt(5);
            if (before == null) {
                after = service("svc-" + nextId++, "name-" + random.nextInt(40), key(random), random.nextInt(5),
                        random.nextBoolean());
            } else if (op == 0) {
                after = null;
            } else {
                ServiceConfig c = before.content();
                after = before.with(switch (op) {
                    case 1 -> new ServiceConfig("name-" + random.nextInt(40), c.key(), c.backends(), c.labels(),
                            c.healthCheck());
                    case 2 -> new ServiceConfig(c.name(), key(random), c.backends(), c.labels(), c.healthCheck());
                    case 3 -> c.withBackends(backends(random.nextInt(5), step));
                    default -> c.withHealthCheck(c.healthCheck() == null ? CHECK : null);
                });
            }
            if (after != null && conflicts(model, after)) {
                ServiceTable unchanged = table;
                Service was = before;
                Service will = after;
                assertThatThrownBy(() -> unchanged.with(was, will)).isInstanceOf(IllegalArgumentException.class);
                refused++;
            } else {
                table = table.with(before, after);
                if (before != null) {
                    model.remove(before.id());
                }
                if (after != null) {
                    model.put(after.id(), after);
                }
            }
            assertMatches(table, model, "step " + step);
            tables.add(table);
            models.add(new HashMap<>(model));
        }
        assertThat(refused).as("conflicts were tried").isGreaterThan(100);
        assertThat(model).as("the table did not stay trivially small").hasSizeGreaterThan(10);
        for (int i = 0; i < tables.size(); i++) {
            assertMatches(tables.get(i), models.get(i), "table of step " + i + ", checked again at the end");
        }
    }

    private static boolean conflicts(Map<String, Service> model, Service changed) {
        return model.values().stream().anyMatch(s -> !s.id().equals(changed.id())
                && (s.name().equals(changed.name()) || s.key().equals(changed.key())));
    }

    private static void assertMatches(ServiceTable table, Map<String, Service> model, String when) {
        Map<String, Service> byName = new TreeMap<>();
        Map<ServiceKey, Service> byKey = new HashMap<>();
        List<Service> checked = new ArrayList<>();
        int backends = 0;
        for (Service s : model.values()) {
            byName.put(s.name(), s);
            byKey.put(s.key(), s);
            backends += s.backends().size();
            if (s.content().healthCheck() != null) {
                checked.add(s);
            }
        }
        assertThat(table.byId()).as(when).isEqualTo(model);
        assertThat(new ArrayList<>(table.byName().keySet())).as(when + ": sorted by name")
                .isEqualTo(new ArrayList<>(byName.keySet()));
        assertThat(table.byName()).as(when).isEqualTo(byName);
        assertThat(table.byKey()).as(when).isEqualTo(byKey);
        assertThat(table.checked()).as(when).containsExactlyInAnyOrderElementsOf(checked);
        assertThat(table.services()).as(when).containsExactlyInAnyOrderElementsOf(model.values());
        assertThat(table.backends()).as(when).isEqualTo(backends);
    }

    private static ServiceKey key(Random random) {
        return tcp("192.0.2." + (1 + random.nextInt(30)), 80 + random.nextInt(2));
    }

    private static Service service(String id, String name, ServiceKey key, int backends, boolean checked) {
        return new Service(id, 1, new ServiceConfig(name, key, backends(backends, 0), new TreeMap<>(),
                checked ? CHECK : null));
    }

    private static List<Backend> backends(int count, int seed) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(backend("10.0." + (seed % 200) + "." + (i + 1), 8080, 1));
        }
        return list;
    }
}
